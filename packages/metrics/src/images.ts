import { expectNumber, InvalidArgumentError } from '@gantry/backend';

/** One category's samples as the reference classifier reads them. */
export interface CategoryDigits {
  readonly category: number;
  /** P(c). */
  readonly probability: number;
  /** How many generated samples carry the category. */
  readonly samples: number;
  /** The digit the reference classifier gives most of them (the smallest on a tie); null without samples. */
  readonly digit: number | null;
  /** The share of its samples given that digit. */
  readonly consistency: number;
}

/** What {@link categoryDigits} returns. */
export interface CategoryDigitsReport {
  /** The categories with P(c) ≥ `minimum`, by category. */
  readonly categories: readonly CategoryDigits[];
  /**
   * The consistencies averaged with weights P(c) (renormalised over the categories reported):
   * the share of samples drawn from P(C) whose digit is their category's majority digit.
   */
  readonly consistency: number;
  /** The digits that are some reported category's majority digit, ascending (digit coverage). */
  readonly digitsCovered: readonly number[];
}

/**
 * Class consistency of G(z, c) and digit coverage: for each category with P(c) ≥ `minimum`
 * (default 1%), the digit that a reference classifier gives most of the category's generated
 * samples, and the share it gets. `sampleCategories[i]` is the category of generated sample
 * i and `digits[i]` the classifier's digit for it (0 to `classes` − 1).
 */
export function categoryDigits(sampleCategories: ArrayLike<number>, digits: ArrayLike<number>, prior: readonly number[], options: { readonly classes?: number; readonly minimum?: number } = {}): CategoryDigitsReport {
  const caller = 'categoryDigits';
  const classes = expectNumber(caller, 'options.classes', options.classes ?? 10, { min: 1, integer: true });
  const minimum = expectNumber(caller, 'options.minimum', options.minimum ?? 0.01, { min: 0, max: 1 });
  if (sampleCategories.length !== digits.length) {
    throw new InvalidArgumentError(caller, 'digits', `one digit per sample (${sampleCategories.length})`, `${digits.length}`);
  }
  const counts = prior.map(() => new Array<number>(classes).fill(0));
  for (let i = 0; i < sampleCategories.length; i++) {
    const category = sampleCategories[i] as number;
    const digit = digits[i] as number;
    const row = counts[category];
    if (row === undefined || !Number.isInteger(category)) throw new InvalidArgumentError(caller, `sampleCategories[${i}]`, `a category in [0, ${prior.length - 1}]`, String(category));
    if (!Number.isInteger(digit) || digit < 0 || digit >= classes) throw new InvalidArgumentError(caller, `digits[${i}]`, `a digit in [0, ${classes - 1}]`, String(digit));
    row[digit] = (row[digit] as number) + 1;
  }
  const categories = prior.flatMap((probability, category): CategoryDigits[] => {
    if (probability < minimum) return [];
    const row = counts[category] as number[];
    const samples = row.reduce((a, b) => a + b, 0);
    const top = Math.max(...row);
    return [{ category, probability, samples, digit: samples === 0 ? null : row.indexOf(top), consistency: samples === 0 ? 0 : top / samples }];
  });
  const mass = categories.reduce((total, report) => total + report.probability, 0);
  return {
    categories,
    consistency: mass === 0 ? 0 : categories.reduce((total, report) => total + report.probability * report.consistency, 0) / mass,
    digitsCovered: [...new Set(categories.flatMap((report) => (report.digit === null ? [] : [report.digit])))].sort((a, b) => a - b),
  };
}
