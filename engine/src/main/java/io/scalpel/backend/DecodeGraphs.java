package io.scalpel.backend;

/**
 * A backend that can replay a one-token decode step as a captured device graph: the host issues one graph
 * launch per token instead of every kernel, and the step's position lives in device memory so one capture
 * serves every position. {@link io.scalpel.model.Session} uses it for single-token steps whose token is the
 * one the backend just chose ({@link #holdsChosenToken}), and runs the ordinary step otherwise.
 */
public interface DecodeGraphs {

    /** Whether graph replay is switched on for this backend. */
    boolean decodeGraphsEnabled();

    /** Whether {@code token} is the id the latest argmax/sample left in device memory, for a replayed embed to read in place. */
    boolean holdsChosenToken(int token);

    /** A recorder for one session's decode step (its buffers' addresses are captured, so one per session). */
    DecodeGraph newDecodeGraph(int capacity, int heads, int headDim);

    /**
     * One session's captured decode step. The position-dependent operations are this object's; everything
     * else in the step is the backend's ordinary (position-independent) operations on fixed buffers.
     */
    interface DecodeGraph extends AutoCloseable {
        /** {@code out[0] = table[chosen id]}, the id read from device memory. */
        void embedChosen(Buffer out, Weight table);

        /** {@link Backend#rope} of one row at the device-held position. */
        void rope(Buffer x, int heads, int headDim, Buffer cos, Buffer sin);

        /** K[position] = k, V[position] = v (one row each of {@code kvDim}). */
        void appendKv(Buffer kCache, Buffer vCache, Buffer k, Buffer v, int kvDim);

        /** {@link Backend#attention} of one query row at the device-held position over keys 0..position. */
        void attention(Buffer out, Buffer q, Buffer kCache, Buffer vCache, int heads, int kvHeads, int headDim);

        /** Whether {@link #captureAndRun} has recorded the step. */
        boolean captured();

        /** Records {@code step} (issued once, not run), appends the position increment, then replays it at {@code position}. */
        void captureAndRun(Runnable step, int position);

        /** Replays the recorded step at {@code position} (written to the device only when it is not already there). */
        void replay(int position);

        @Override void close();
    }
}
