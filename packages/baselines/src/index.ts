/**
 * The paper's baselines as `@gantry/trainer` recipes: the vanilla GAN fed (z, c) (Fig. 2),
 * InfoGAN with a fixed categorical prior (Eqs. 1-3, Fig. 3), and the supervised ACGAN and
 * CAGAN, which train on the dataset's labels.
 *
 * @packageDocumentation
 */
export { acgan, cagan, infoGan, vanillaGan, type BaselineOptions } from './baselines.js';
