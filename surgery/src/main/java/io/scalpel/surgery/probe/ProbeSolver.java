package io.scalpel.surgery.probe;

/** How a probe was fitted; {@link #id()} is the name stored in probe files. */
public enum ProbeSolver {
    /** The paper's recipe: Linear(d, 2) + log-softmax + NLL, trained with Adam. */
    ADAM("adam"),
    /** L2-regularised logistic regression solved to convergence by Newton's method (IRLS). */
    LOGISTIC_REGRESSION("logistic-regression");

    private final String id;

    ProbeSolver(String id) { this.id = id; }

    public String id() { return id; }

    public static ProbeSolver fromId(String id) {
        for (ProbeSolver s : values()) if (s.id.equals(id)) return s;
        throw new IllegalArgumentException("unknown probe solver '" + id + "' (known: adam, logistic-regression)");
    }
}
