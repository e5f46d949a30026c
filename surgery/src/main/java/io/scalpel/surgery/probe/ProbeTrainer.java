package io.scalpel.surgery.probe;

/**
 * Fits a 2-class linear probe on pooled hidden states. The probe direction is the class-1 (avoid)
 * weight row, as in the paper.
 */
public sealed interface ProbeTrainer permits AdamProbeTrainer, LogisticRegressionProbeTrainer {
    /**
     * @param validation may be empty (its accuracy is then NaN)
     * @param layer      which hidden state the vectors came from (recorded in the probe)
     */
    Probe train(LabelledVectors train, LabelledVectors validation, int layer);

    /** Shared input checks: both classes present, matching dimensions. */
    static void checkInputs(LabelledVectors train, LabelledVectors validation) {
        if (train.size() == 0) throw new IllegalArgumentException("no training vectors");
        if (train.countOf(0) == 0 || train.countOf(1) == 0) {
            throw new IllegalArgumentException("training vectors hold only class " + train.labels()[0] + "; a probe needs both classes");
        }
        if (validation.size() > 0 && validation.dimension() != train.dimension()) {
            throw new IllegalArgumentException("validation vectors have length " + validation.dimension() + ", training vectors " + train.dimension());
        }
    }
}
