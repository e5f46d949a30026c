package io.scalpel.surgery.probe;

/**
 * How a probe was made and how good it is.
 *
 * @param distanceFromInit ‖v − v_init‖ for the class-1 row; NaN for solvers without a random
 *                         initialisation (logistic regression starts from zero)
 * @param initCosine       cos(v, v_init): near 1 means the "direction" is still mostly the random
 *                         initialisation (the paper's Adam settings underfit on small sets); NaN as above
 * @param converged        whether the solver met its convergence test (Adam: always false — it runs a fixed
 *                         budget and tests nothing, so it is never reported as converged)
 * @param iterations       Adam steps, or Newton iterations
 * @param settings         the solver's hyper-parameters, human-readable
 */
public record ProbeMetadata(ProbeSolver solver, double trainAccuracy, double validationAccuracy, double directionNorm,
                            double distanceFromInit, double initCosine, int trainCount, int validationCount,
                            boolean converged, int iterations, String settings) {}
