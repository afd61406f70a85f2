/**
 * The plain-TypeScript float64 reference of a whole convolutional network (docs/model.md §7): the
 * layers of reference.ts chained over the full batch, with the loss L(θ) = (1/n) Σᵢ ½‖f(xᵢ) − yᵢ‖²,
 * its gradient by backpropagation and the exact Hessian-vector product by the R-operator:
 *   forward      y_k = f_k(y_input, [y_other], θ_k)
 *   backward     ∂y_last = (f − Y)/n;  for k = last … 0: ∂y_input += J_xᵀ ∂y_k, ∂θ_k = J_θᵀ ∂y_k
 *   R-forward    R{y_k} = J_x R{y_input} + J_θ v_k            (R{network input} = 0)
 *   R-backward   R{∂y_last} = R{f}/n;  R{∂y_input} += R{J_xᵀ ∂y_k},  (Hv)_k = R{J_θᵀ ∂y_k}.
 * Slow on purpose (no GEMM, everything recomputed); for tests on tiny networks.
 */
import { checkArray } from '../mlpNetwork.js';
import { referenceLayer, type Direction, type ReferenceLayer } from './reference.js';
import { checkData, layoutOf, NETWORK_INPUT, type ConvData, type ConvLayout, type ConvNetSpec } from './spec.js';

export class ConvReference {
  readonly layout: ConvLayout;
  readonly parameterCount: number;
  private readonly layers: ReferenceLayer[];

  constructor(
    spec: ConvNetSpec,
    readonly data: ConvData,
  ) {
    this.layout = layoutOf(spec);
    this.parameterCount = this.layout.parameterCount;
    checkData(this.layout, data);
    this.layers = this.layout.layers.map((l) => referenceLayer(l, data.n));
  }

  private slice(theta: Float64Array, k: number): Float64Array {
    const { offset, count } = this.layout.layers[k] as { offset: number; count: number };
    return theta.subarray(offset, offset + count);
  }

  /** Every layer's output at θ. */
  forward(theta: Float64Array): Float64Array[] {
    checkArray(theta, this.parameterCount, 'theta');
    const outs: Float64Array[] = [];
    this.layout.layers.forEach(({ layer }, k) => {
      const x = layer.input === NETWORK_INPUT ? this.data.X : (outs[layer.input] as Float64Array);
      const other = layer.kind === 'add' ? (outs[layer.other] as Float64Array) : undefined;
      outs.push((this.layers[k] as ReferenceLayer).forward(x, other, this.slice(theta, k)));
    });
    return outs;
  }

  private inputOf(outs: readonly Float64Array[], k: number): Float64Array {
    const { layer } = this.layout.layers[k] as { layer: { input: number } };
    return layer.input === NETWORK_INPUT ? this.data.X : (outs[layer.input] as Float64Array);
  }

  private otherOf(outs: readonly Direction[], k: number): Direction {
    const { layer } = this.layout.layers[k] as { layer: { kind: string; other?: number } };
    return layer.kind === 'add' ? outs[layer.other as number] : undefined;
  }

  loss(theta: Float64Array): number {
    const f = this.forward(theta).at(-1) as Float64Array;
    let sum = 0;
    for (let k = 0; k < f.length; k++) sum += ((f[k] as number) - (this.data.Y[k] as number)) ** 2;
    return (0.5 * sum) / this.data.n;
  }

  /** ∂L/∂y_k for every layer (backward pass) and ∇L(θ). */
  private backward(theta: Float64Array, outs: Float64Array[]): { grads: Float64Array[]; gradient: Float64Array } {
    const grads = outs.map((y) => new Float64Array(y.length));
    const f = outs.at(-1) as Float64Array;
    const last = grads.at(-1) as Float64Array;
    for (let k = 0; k < f.length; k++) last[k] = ((f[k] as number) - (this.data.Y[k] as number)) / this.data.n;
    const gradient = new Float64Array(this.parameterCount);
    for (let k = outs.length - 1; k >= 0; k--) {
      const { layer, offset } = this.layout.layers[k] as {
        layer: { input: number; kind: string; other?: number };
        offset: number;
      };
      const a = (this.layers[k] as ReferenceLayer).backward(
        this.inputOf(outs, k),
        this.otherOf(outs, k),
        this.slice(theta, k),
        grads[k] as Float64Array,
      );
      gradient.set(a.p, offset);
      if (layer.input !== NETWORK_INPUT) addInto(grads[layer.input] as Float64Array, a.x);
      if (a.other) addInto(grads[layer.other as number] as Float64Array, a.other);
    }
    return { grads, gradient };
  }

  gradient(theta: Float64Array): { loss: number; gradient: Float64Array } {
    const outs = this.forward(theta);
    return { loss: this.loss(theta), gradient: this.backward(theta, outs).gradient };
  }

  /** ∇²L(θ)·v, exact (R-operator through the forward and backward passes). */
  hessianVectorProduct(theta: Float64Array, v: Float64Array): Float64Array {
    checkArray(v, this.parameterCount, 'v');
    const outs = this.forward(theta);
    const { grads } = this.backward(theta, outs);
    const rOuts: Float64Array[] = [];
    this.layout.layers.forEach(({ layer }, k) => {
      const rx = layer.input === NETWORK_INPUT ? undefined : rOuts[layer.input];
      rOuts.push(
        (this.layers[k] as ReferenceLayer).rForward(
          this.inputOf(outs, k),
          this.otherOf(outs, k),
          this.slice(theta, k),
          rx,
          this.otherOf(rOuts, k),
          this.slice(v, k),
        ),
      );
    });
    const rGrads = outs.map((y) => new Float64Array(y.length));
    const rf = rOuts.at(-1) as Float64Array;
    (rGrads.at(-1) as Float64Array).set(rf.map((r) => r / this.data.n));
    const hv = new Float64Array(this.parameterCount);
    for (let k = outs.length - 1; k >= 0; k--) {
      const { layer, offset } = this.layout.layers[k] as { layer: { input: number; other?: number }; offset: number };
      const a = (this.layers[k] as ReferenceLayer).rBackward(
        this.inputOf(outs, k),
        this.otherOf(outs, k),
        this.slice(theta, k),
        layer.input === NETWORK_INPUT ? undefined : rOuts[layer.input],
        this.otherOf(rOuts, k),
        this.slice(v, k),
        grads[k] as Float64Array,
        rGrads[k] as Float64Array,
      );
      hv.set(a.p, offset);
      if (layer.input !== NETWORK_INPUT) addInto(rGrads[layer.input] as Float64Array, a.x);
      if (a.other) addInto(rGrads[layer.other as number] as Float64Array, a.other);
    }
    return hv;
  }
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let k = 0; k < target.length; k++) target[k] = (target[k] as number) + (source[k] as number);
}
