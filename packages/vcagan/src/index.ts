/**
 * The VCAGAN recipe for `@gantry/trainer`: Algorithm 1 of Cho, "Training self-supervised
 * class-conditional GAN with virtual labels" (CAGAN loss on virtual labels, Eqs. 4-5;
 * classification loss on fake labels, Eq. 1; classifier gradient penalty, Eq. 6; R1;
 * P(C) following an EMA of Q(x_real)).
 *
 * @packageDocumentation
 */
export { recentreStrength, vcagan, type VcaganOptions } from './vcagan.js';
