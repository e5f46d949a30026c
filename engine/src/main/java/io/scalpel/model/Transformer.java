package io.scalpel.model;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Weight;

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
        this.embedding = backend.upload(weights.embedding());
        List<Layer> ls = new ArrayList<>();
        for (LayerWeights w : weights.layers()) {
            ls.add(new Layer(backend.upload(w.attnNorm()), backend.upload(w.wq()), backend.upload(w.wk()),
                    backend.upload(w.wv()), backend.upload(w.wo()),
                    w.bq() == null ? null : backend.upload(w.bq()),
                    w.bk() == null ? null : backend.upload(w.bk()),
                    w.bv() == null ? null : backend.upload(w.bv()),
                    backend.upload(w.ffnNorm()), backend.upload(w.gate()), backend.upload(w.up()), backend.upload(w.down())));
        }
        this.layers = List.copyOf(ls);
        this.finalNorm = backend.upload(weights.finalNorm());
        this.output = weights.output() == weights.embedding() ? embedding : backend.upload(weights.output());
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
