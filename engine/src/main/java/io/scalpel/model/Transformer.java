package io.scalpel.model;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Weight;
import io.scalpel.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A Llama-family decoder whose weights are resident on a {@link Backend}. Written once against the
 * backend interface: the same code runs on the CPU and on CUDA. Inference state lives in
 * {@link Session}s; this object holds only the weights, so the surgery edits them in place and every
 * session sees the edit.
 */
public final class Transformer implements AutoCloseable {

    /** One layer's resident weights; biases null where absent. */
    public record Layer(Weight attnNorm, Weight wq, Weight wk, Weight wv, Weight wo,
                        Weight bq, Weight bk, Weight bv,
                        Weight ffnNorm, Weight gate, Weight up, Weight down) {}

    private final ModelConfig config;
    private final Backend backend;
    private final Weight embedding;
    private final List<Layer> layers;
    private final Weight finalNorm;
    private final Weight output;

    public Transformer(ModelConfig config, ModelWeights weights, Backend backend) {
        this.config = config;
        this.backend = backend;
        List<Weight> uploaded = new ArrayList<>();
        try {
            this.embedding = upload(weights.embedding(), uploaded);
            List<Layer> ls = new ArrayList<>();
            for (LayerWeights w : weights.layers()) {
                ls.add(new Layer(upload(w.attnNorm(), uploaded), upload(w.wq(), uploaded), upload(w.wk(), uploaded),
                        upload(w.wv(), uploaded), upload(w.wo(), uploaded),
                        upload(w.bq(), uploaded), upload(w.bk(), uploaded), upload(w.bv(), uploaded),
                        upload(w.ffnNorm(), uploaded), upload(w.gate(), uploaded), upload(w.up(), uploaded), upload(w.down(), uploaded)));
            }
            this.layers = List.copyOf(ls);
            this.finalNorm = upload(weights.finalNorm(), uploaded);
            this.output = weights.output() == weights.embedding() ? embedding : upload(weights.output(), uploaded);
        } catch (RuntimeException e) {
            // An upload that fails part way (device memory full, say) must not strand the ones before it.
            for (Weight w : uploaded) w.close();
            throw e;
        }
    }

    /** Uploads {@code t} (null stays null) and remembers it for the failure path. */
    private Weight upload(Tensor t, List<Weight> uploaded) {
        if (t == null) return null;
        Weight w = backend.upload(t);
        uploaded.add(w);
        return w;
    }

    public ModelConfig config() { return config; }

    public Backend backend() { return backend; }

    public List<Layer> layers() { return layers; }

    public Weight embedding() { return embedding; }

    public Weight finalNorm() { return finalNorm; }

    public Weight output() { return output; }

    /** The gate_proj weight of every layer, in layer order: where the surgery edits. */
    public List<Weight> gateWeights() { return layers.stream().map(Layer::gate).toList(); }

    /** A new inference session with a KV cache of {@code capacity} positions (at most the model's context). */
    public Session newSession(int capacity) {
        return new Session(this, capacity, Session.DEFAULT_CHUNK);
    }

    /** As {@link #newSession(int)}, processing prompts in chunks of at most {@code chunkRows} positions. */
    public Session newSession(int capacity, int chunkRows) {
        return new Session(this, capacity, chunkRows);
    }

    /** Releases the resident weights (the backend itself is closed by its owner). */
    @Override public void close() {
        embedding.close();
        for (Layer l : layers) {
            for (Weight w : new Weight[]{l.attnNorm, l.wq, l.wk, l.wv, l.wo, l.bq, l.bk, l.bv, l.ffnNorm, l.gate, l.up, l.down}) {
                if (w != null) w.close();
            }
        }
        finalNorm.close();
        if (output != embedding) output.close();
    }
}
