// Fully connected network kernels (SPEC §5): forward, full-batch gradient, GD step and the exact
// Hessian-vector product by Pearlmutter's R-operator. Formulas and layouts in network.ts.
export { mlpParameterCount, mlpWorkLength, mlpLoss, mlpGradient, mlpGdStep, mlpHvp } from './network';
export { mlpActivation } from './activation';
