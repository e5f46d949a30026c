package io.scalpel.surgery.probe;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_MT_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * L2-regularised logistic regression solved to convergence by damped Newton steps (IRLS), as an
 * alternative to the paper's under-trained Adam probe.
 *
 * <p>Objective, with labels s = ±1, augmented inputs x̃ = [x, c] and θ = [w, b/c]:
 * {@code J(θ) = Σ log(1 + exp(−s·θ·x̃)) + λ/2 ‖θ‖²}. The intercept rides on a constant feature c
 * (liblinear's "intercept scaling"): its penalty is λ(b/c)²/2, negligible for large c. Penalising
 * all coordinates alike lets the same objective be solved either in the primal (a (d+1)² Hessian,
 * used when n ≥ d+1) or through the n×n kernel {@code X̃X̃ᵀ} (used when there are fewer texts than
 * dimensions, the usual case for 4096-wide models and a few hundred texts), with identical results.
 * Default c is 10 × the root-mean-square input norm, so the intercept is effectively free.
 *
 * <p>Mapping to the 2-class head: class-1 row = w/2, class-0 row = −w/2, biases ±b/2. Then
 * softmax(logits)[1] = σ(w·x + b) exactly, and the probe direction (the class-1 row) is w/2.
 */
public final class LogisticRegressionProbeTrainer implements ProbeTrainer {

    /** Which linear system Newton solves; {@link #AUTO} picks the smaller. */
    public enum Formulation { AUTO, PRIMAL, KERNEL }

    /**
     * @param l2             λ, the L2 penalty (sklearn's 1/C)
     * @param maxIterations  Newton iterations before giving up (the probe is then marked not converged)
     * @param tolerance      stop when half the Newton decrement gᵀH⁻¹g falls below tolerance × max(1, J)
     * @param interceptScale c; NaN chooses 10 × RMS input norm
     */
    public record Settings(double l2, int maxIterations, double tolerance, double interceptScale, Formulation formulation) {
        public Settings {
            if (!(l2 > 0)) throw new IllegalArgumentException("L2 penalty must be > 0 (it keeps separable data bounded), got " + l2);
            if (maxIterations < 1) throw new IllegalArgumentException("max iterations must be ≥ 1");
            if (!(tolerance > 0)) throw new IllegalArgumentException("tolerance must be > 0");
            if (!(Double.isNaN(interceptScale) || interceptScale > 0)) throw new IllegalArgumentException("intercept scale must be > 0");
        }

        public static Settings defaults() { return new Settings(1.0, 100, 1e-10, Double.NaN, Formulation.AUTO); }

        public Settings withL2(double l) { return new Settings(l, maxIterations, tolerance, interceptScale, formulation); }
        public Settings withFormulation(Formulation f) { return new Settings(l2, maxIterations, tolerance, interceptScale, f); }

        @Override public String toString() {
            return "logistic-regression l2=" + l2 + " max_iterations=" + maxIterations + " tolerance=" + tolerance
                    + " intercept_scale=" + (Double.isNaN(interceptScale) ? "auto" : interceptScale) + " formulation=" + formulation;
        }
    }

    private final Settings settings;

    public LogisticRegressionProbeTrainer(Settings settings) { this.settings = settings; }

    public LogisticRegressionProbeTrainer() { this(Settings.defaults()); }

    @Override
    public Probe train(LabelledVectors train, LabelledVectors validation, int layer) {
        ProbeTrainer.checkInputs(train, validation);
        int n = train.size(), d = train.dimension();
        double c = Double.isNaN(settings.interceptScale()) ? 10 * rmsNorm(train) : settings.interceptScale();
        if (c == 0) c = 1; // all-zero inputs: any scale will do
        DMatrixRMaj x = augmented(train, c);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = train.labels()[i] == 1 ? 1 : -1;

        boolean kernel = switch (settings.formulation()) {
            case AUTO -> n < d + 1;
            case PRIMAL -> false;
            case KERNEL -> true;
        };
        Result r = kernel ? solveKernel(x, s) : solvePrimal(x, s);

        double[] w = new double[d];
        System.arraycopy(r.theta(), 0, w, 0, d);
        double b = r.theta()[d] * c;
        double[] row1 = new double[d], row0 = new double[d];
        for (int j = 0; j < d; j++) {
            row1[j] = w[j] / 2;
            row0[j] = -w[j] / 2;
        }
        Probe rounded = new Probe(new float[][]{VectorStatistics.narrow(row0), VectorStatistics.narrow(row1)},
                new float[]{(float) (-b / 2), (float) (b / 2)}, layer,
                new ProbeMetadata(ProbeSolver.LOGISTIC_REGRESSION, 0, 0, 0, 0, 0, 0, 0, false, 0, ""));
        String used = settings + " (" + (kernel ? "kernel" : "primal") + ", c=" + c + ")";
        return rounded.withMetadata(new ProbeMetadata(ProbeSolver.LOGISTIC_REGRESSION,
                rounded.accuracy(train), rounded.accuracy(validation), VectorStatistics.norm(row1),
                Double.NaN, Double.NaN, n, validation.size(), r.converged(), r.iterations(), used));
    }

    private record Result(double[] theta, boolean converged, int iterations) {}

    /** Newton in θ-space: H = X̃ᵀSX̃ + λI, solved by Cholesky. */
    private Result solvePrimal(DMatrixRMaj x, double[] s) {
        int n = x.numRows, m = x.numCols;
        double lambda = settings.l2();
        double[] theta = new double[m];
        double[] z = new double[n];
        double objective = objective(z, s, theta, lambda);
        DMatrixRMaj scaled = new DMatrixRMaj(n, m);
        DMatrixRMaj hessian = new DMatrixRMaj(m, m);
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(m);
        for (int it = 1; it <= settings.maxIterations(); it++) {
            double[] g = new double[m];
            for (int i = 0; i < n; i++) {
                double p = sigmoid(z[i]);
                double residual = p - (s[i] > 0 ? 1 : 0);
                double weight = Math.sqrt(p * (1 - p));
                for (int j = 0; j < m; j++) {
                    double xij = x.unsafe_get(i, j);
                    g[j] += residual * xij;
                    scaled.unsafe_set(i, j, weight * xij);
                }
            }
            for (int j = 0; j < m; j++) g[j] += lambda * theta[j];
            CommonOps_MT_DDRM.multInner(scaled, hessian);
            for (int j = 0; j < m; j++) hessian.add(j, j, lambda);
            if (!chol.setA(hessian)) throw new IllegalStateException("Newton Hessian is not positive definite (λ too small for these inputs?)");
            DMatrixRMaj delta = new DMatrixRMaj(m, 1);
            chol.solve(new DMatrixRMaj(m, 1, true, g), delta);
            double decrement = dot(g, delta.data);
            if (decrement / 2 <= settings.tolerance() * Math.max(1, objective)) return new Result(theta, true, it - 1);
            // Backtracking (Armijo) keeps every step a descent step even far from the optimum.
            double[] dz = multiply(x, delta.data);
            double step = 1;
            double[] nextTheta = new double[m], nextZ = new double[n];
            double next;
            while (true) {
                for (int j = 0; j < m; j++) nextTheta[j] = theta[j] - step * delta.data[j];
                for (int i = 0; i < n; i++) nextZ[i] = z[i] - step * dz[i];
                next = objective(nextZ, s, nextTheta, lambda);
                if (next <= objective - 1e-4 * step * decrement || step < 1e-10) break;
                step /= 2;
            }
            theta = nextTheta;
            z = nextZ;
            objective = next;
        }
        return new Result(theta, false, settings.maxIterations());
    }

    /**
     * Newton with θ = X̃ᵀα. The push-through identity (λI + X̃ᵀSX̃)⁻¹X̃ᵀ = X̃ᵀ(λI + SK)⁻¹ with
     * K = X̃X̃ᵀ turns each Newton step into an n×n solve: δα = (λI + SK)⁻¹(p − y + λα).
     */
    private Result solveKernel(DMatrixRMaj x, double[] s) {
        int n = x.numRows, m = x.numCols;
        double lambda = settings.l2();
        DMatrixRMaj k = new DMatrixRMaj(n, n);
        CommonOps_MT_DDRM.multOuter(x, k);
        double[] alpha = new double[n];
        double[] z = new double[n]; // z = Kα
        double objective = kernelObjective(z, s, alpha, lambda);
        LinearSolverDense<DMatrixRMaj> lu = LinearSolverFactory_DDRM.lu(n);
        DMatrixRMaj system = new DMatrixRMaj(n, n);
        int iterations = settings.maxIterations();
        boolean converged = false;
        for (int it = 1; it <= settings.maxIterations(); it++) {
            double[] r = new double[n];
            for (int i = 0; i < n; i++) {
                double p = sigmoid(z[i]);
                r[i] = p - (s[i] > 0 ? 1 : 0) + lambda * alpha[i];
                double weight = p * (1 - p);
                for (int j = 0; j < n; j++) system.unsafe_set(i, j, weight * k.unsafe_get(i, j));
                system.add(i, i, lambda);
            }
            if (!lu.setA(system)) throw new IllegalStateException("Newton system is singular");
            DMatrixRMaj delta = new DMatrixRMaj(n, 1);
            lu.solve(new DMatrixRMaj(n, 1, true, r), delta);
            double[] kDelta = multiply(k, delta.data);
            double decrement = dot(r, kDelta); // gᵀH⁻¹g with g = X̃ᵀr and H⁻¹g = X̃ᵀδα
            if (decrement / 2 <= settings.tolerance() * Math.max(1, objective)) {
                iterations = it - 1;
                converged = true;
                break;
            }
            double step = 1;
            double[] nextAlpha = new double[n], nextZ = new double[n];
            double next;
            while (true) {
                for (int i = 0; i < n; i++) {
                    nextAlpha[i] = alpha[i] - step * delta.data[i];
                    nextZ[i] = z[i] - step * kDelta[i];
                }
                next = kernelObjective(nextZ, s, nextAlpha, lambda);
                if (next <= objective - 1e-4 * step * decrement || step < 1e-10) break;
                step /= 2;
            }
            alpha = nextAlpha;
            z = nextZ;
            objective = next;
        }
        double[] theta = new double[m]; // θ = X̃ᵀα
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) theta[j] += alpha[i] * x.unsafe_get(i, j);
        return new Result(theta, converged, iterations);
    }

    private static double objective(double[] z, double[] s, double[] theta, double lambda) {
        return logLoss(z, s) + lambda / 2 * dot(theta, theta);
    }

    /** ‖θ‖² = αᵀKα = αᵀz. */
    private static double kernelObjective(double[] z, double[] s, double[] alpha, double lambda) {
        return logLoss(z, s) + lambda / 2 * dot(alpha, z);
    }

    /** Σ log(1 + exp(−s·z)), computed without overflow. */
    private static double logLoss(double[] z, double[] s) {
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            double margin = s[i] * z[i];
            sum += Math.max(-margin, 0) + Math.log1p(Math.exp(-Math.abs(margin)));
        }
        return sum;
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double[] multiply(DMatrixRMaj a, double[] v) {
        double[] out = new double[a.numRows];
        for (int i = 0; i < a.numRows; i++) {
            double sum = 0;
            for (int j = 0; j < a.numCols; j++) sum += a.unsafe_get(i, j) * v[j];
            out[i] = sum;
        }
        return out;
    }

    private static DMatrixRMaj augmented(LabelledVectors data, double c) {
        int n = data.size(), d = data.dimension();
        DMatrixRMaj x = new DMatrixRMaj(n, d + 1);
        for (int i = 0; i < n; i++) {
            float[] v = data.vectors()[i];
            for (int j = 0; j < d; j++) x.unsafe_set(i, j, v[j]);
            x.unsafe_set(i, d, c);
        }
        return x;
    }

    private static double rmsNorm(LabelledVectors data) {
        double sum = 0;
        for (float[] v : data.vectors()) for (float f : v) sum += (double) f * f;
        return Math.sqrt(sum / data.size());
    }
}
