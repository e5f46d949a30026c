package io.scalpel.model;

/**
 * Receives hidden states as the forward pass produces them, with Hugging Face's numbering
 * ({@code output_hidden_states}): index 0 = token embeddings, index i in 1..L-1 = the residual
 * stream after layer i, index L = the last layer's output AFTER the final norm (the probe's input).
 * Only indices for which {@link #wants} is true are copied to the host.
 */
public interface HiddenStateListener {

    boolean wants(int index);

    /**
     * @param index    hidden-state index as above
     * @param position position of the first row in the sequence
     * @param rows     [rowCount, dim] row-major, valid only during the call
     */
    void accept(int index, int position, float[] rows, int rowCount, int dim);

    /** Also report the last layer's output before the final norm, as index -1. */
    default boolean wantsLastLayerPrenorm() { return false; }
}
