// KL coefficient controllers for KL-in-reward (verl FixedKLController / AdaptiveKLController,
// Ziegler et al. 2019). Plain numbers: no tensors.

export interface KlController {
  readonly value: number;
  /** Feed the measured mean KL of a step that consumed `nSteps` samples. */
  update(currentKl: number, nSteps: number): void;
}

export class FixedKlController implements KlController {
  constructor(public readonly value: number) {}
  update(): void {}
}

export class AdaptiveKlController implements KlController {
  private coef: number;
  constructor(
    initKlCoef: number,
    private readonly targetKl: number,
    private readonly horizon: number,
  ) {
    if (!(targetKl > 0) || !(horizon > 0)) throw new Error('AdaptiveKlController: targetKl and horizon must be positive');
    this.coef = initKlCoef;
  }
  get value(): number {
    return this.coef;
  }
  update(currentKl: number, nSteps: number): void {
    // Proportional control, error clipped to ±20% as in verl.
    const error = Math.min(Math.max(currentKl / this.targetKl - 1, -0.2), 0.2);
    this.coef *= 1 + (error * nSteps) / this.horizon;
  }
}
