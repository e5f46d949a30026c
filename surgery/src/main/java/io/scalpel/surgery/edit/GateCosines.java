package io.scalpel.surgery.edit;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.model.Transformer;

import java.util.List;

/**
 * cos(w_i, v) for every gate_proj row of every layer, computed by the backend on the resident weights
 * (on a GPU by a kernel on device memory; only the cosines come back, never the weights).
 */
public final class GateCosines {
    private GateCosines() {}

    /** Per layer, the cosine of each gate row with {@code direction}. */
    public static float[][] compute(Transformer model, float[] direction) {
        Backend b = model.backend();
        List<Weight> gates = model.gateWeights();
        float[][] out = new float[gates.size()][];
        try (Buffer v = b.allocate(direction.length);
             Buffer cos = b.allocate(model.config().hiddenDim())) {
            b.write(v, direction);
            for (int l = 0; l < gates.size(); l++) {
                b.rowCosines(cos, gates.get(l), v);
                out[l] = new float[gates.get(l).rows()];
                b.read(cos, out[l]);
            }
        }
        return out;
    }
}
