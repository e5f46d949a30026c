package io.scalpel.surgery.probe;

import java.util.Random;

/**
 * The paper's probe: {@code Linear(d, 2)} with bias, log-softmax + NLL (mean over the batch),
 * trained with Adam. Everything runs in double precision; the result is rounded to fp32 once.
 *
 * <p>Matches PyTorch where it matters for reproducing the paper's behaviour: nn.Linear's default
 * initialisation (weight and bias uniform in ±1/√d), Adam without weight decay and with bias
 * correction, {@code p -= lr · m̂ / (√v̂ + eps)}, a reshuffle every epoch and a final short batch
 * (DataLoader's {@code drop_last=False}). Random numbers come from {@code java.util.Random(seed)},
 * so runs are repeatable but not bit-identical to PyTorch's.
 *
 * <p>With the paper's defaults (lr 1e-4, 9 epochs) every coordinate moves at most about
 * lr per step, so on a few hundred texts the direction stays close to its random initialisation —
 * {@link ProbeMetadata#initCosine()} makes that visible.
 */
public final class AdamProbeTrainer implements ProbeTrainer {

    /** Hyper-parameters; {@link #paper()} gives the paper's. */
    public record Settings(double learningRate, int batchSize, int epochs, double beta1, double beta2, double epsilon, long seed) {
        public Settings {
            if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
            if (epochs < 1) throw new IllegalArgumentException("epochs must be ≥ 1, got " + epochs);
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("Adam betas must be in [0, 1)");
            if (!(epsilon > 0)) throw new IllegalArgumentException("Adam eps must be > 0");
        }

        /** lr 1e-4, batch 16, 9 epochs, β 0.9/0.999, eps 1e-8, seed 0. */
        public static Settings paper() { return new Settings(1e-4, 16, 9, 0.9, 0.999, 1e-8, 0); }

        public Settings withLearningRate(double lr) { return new Settings(lr, batchSize, epochs, beta1, beta2, epsilon, seed); }
        public Settings withEpochs(int e) { return new Settings(learningRate, batchSize, e, beta1, beta2, epsilon, seed); }
        public Settings withBatchSize(int b) { return new Settings(learningRate, b, epochs, beta1, beta2, epsilon, seed); }
        public Settings withSeed(long s) { return new Settings(learningRate, batchSize, epochs, beta1, beta2, epsilon, s); }

        @Override public String toString() {
            return "adam lr=" + learningRate + " batch=" + batchSize + " epochs=" + epochs + " betas=" + beta1 + "/" + beta2
                    + " eps=" + epsilon + " seed=" + seed;
        }
    }

    private final Settings settings;

    public AdamProbeTrainer(Settings settings) { this.settings = settings; }

    public AdamProbeTrainer() { this(Settings.paper()); }

    public Settings settings() { return settings; }

    @Override
    public Probe train(LabelledVectors train, LabelledVectors validation, int layer) {
        ProbeTrainer.checkInputs(train, validation);
        int d = train.dimension(), n = train.size();
        Random rng = new Random(settings.seed());

        // nn.Linear.reset_parameters: kaiming_uniform(a=√5) on the weight gives bound 1/√fan_in; the bias uses the same bound.
        double bound = 1.0 / Math.sqrt(d);
        double[][] w = new double[2][d];
        double[] b = new double[2];
        for (double[] row : w) for (int j = 0; j < d; j++) row[j] = (2 * rng.nextDouble() - 1) * bound;
        for (int c = 0; c < 2; c++) b[c] = (2 * rng.nextDouble() - 1) * bound;
        double[] initDirection = w[1].clone();

        double[][] mW = new double[2][d], vW = new double[2][d], gW = new double[2][d];
        double[] mB = new double[2], vB = new double[2], gB = new double[2];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        int step = 0;
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            shuffle(order, rng);
            for (int start = 0; start < n; start += settings.batchSize()) {
                int end = Math.min(n, start + settings.batchSize());
                batchGradient(train, order, start, end, w, b, gW, gB);
                step++;
                double c1 = 1 - Math.pow(settings.beta1(), step);
                double c2 = 1 - Math.pow(settings.beta2(), step);
                for (int c = 0; c < 2; c++) {
                    for (int j = 0; j < d; j++) w[c][j] = adamUpdate(w[c][j], gW[c][j], mW[c], vW[c], j, c1, c2);
                    b[c] = adamUpdate(b[c], gB[c], mB, vB, c, c1, c2);
                }
            }
        }

        Probe rounded = new Probe(new float[][]{VectorStatistics.narrow(w[0]), VectorStatistics.narrow(w[1])},
                VectorStatistics.narrow(b), layer,
                new ProbeMetadata(ProbeSolver.ADAM, 0, 0, 0, 0, 0, 0, 0, true, 0, ""));
        return rounded.withMetadata(new ProbeMetadata(ProbeSolver.ADAM,
                rounded.accuracy(train), rounded.accuracy(validation),
                VectorStatistics.norm(w[1]), VectorStatistics.distance(w[1], initDirection),
                VectorStatistics.cosine(w[1], initDirection),
                n, validation.size(), false, step, settings.toString())); // a fixed budget: nothing tested convergence
    }

    /** PyTorch's Adam for one parameter: moment updates, bias correction, then the step. */
    private double adamUpdate(double p, double g, double[] m, double[] v, int i, double c1, double c2) {
        m[i] = settings.beta1() * m[i] + (1 - settings.beta1()) * g;
        v[i] = settings.beta2() * v[i] + (1 - settings.beta2()) * g * g;
        double mHat = m[i] / c1;
        double vHat = v[i] / c2;
        return p - settings.learningRate() * mHat / (Math.sqrt(vHat) + settings.epsilon());
    }

    /** Gradient of mean NLL(log_softmax(W x + b), y) over the batch {@code order[start..end)}. */
    private static void batchGradient(LabelledVectors data, int[] order, int start, int end,
                                      double[][] w, double[] b, double[][] gW, double[] gB) {
        int d = w[0].length;
        for (double[] row : gW) java.util.Arrays.fill(row, 0);
        java.util.Arrays.fill(gB, 0);
        double scale = 1.0 / (end - start);
        for (int k = start; k < end; k++) {
            float[] x = data.vectors()[order[k]];
            int y = data.labels()[order[k]];
            double z0 = b[0], z1 = b[1];
            for (int j = 0; j < d; j++) {
                z0 += w[0][j] * x[j];
                z1 += w[1][j] * x[j];
            }
            // softmax over two logits: p1 = σ(z1 − z0), computed without overflow.
            double p1 = 1 / (1 + Math.exp(z0 - z1));
            double p0 = 1 - p1;
            double dz0 = (p0 - (y == 0 ? 1 : 0)) * scale;
            double dz1 = (p1 - (y == 1 ? 1 : 0)) * scale;
            for (int j = 0; j < d; j++) {
                gW[0][j] += dz0 * x[j];
                gW[1][j] += dz1 * x[j];
            }
            gB[0] += dz0;
            gB[1] += dz1;
        }
    }

    /** Fisher–Yates with the trainer's generator (a fresh permutation each epoch, like DataLoader's shuffle). */
    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
