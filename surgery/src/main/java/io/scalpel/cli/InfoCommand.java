package io.scalpel.cli;

import io.scalpel.io.Checkpoint;
import io.scalpel.model.ModelConfig;
import io.scalpel.tensor.Tensor;
import io.scalpel.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.TreeMap;
import java.util.concurrent.Callable;

/** Architecture, shapes, dtypes, parameter count and tokenizer of a checkpoint (nothing is run). */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Describe a checkpoint: architecture, shapes, dtypes, parameters, tokenizer.",
        footer = {"", "Example:", "  scalpel info --model ../shared/models/stories260K/stories260K.gguf --patch patch.safetensors"})
public final class InfoCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Override public Integer call() {
        model.validate();
        var patches = model.readPatches();
        try (Checkpoint ck = Checkpoint.open(model.model)) {
            if (!patches.isEmpty()) {
                var identity = io.scalpel.surgery.pipeline.SurgeryPipeline.identity(ck);
                for (int i = 0; i < patches.size(); i++) {
                    try {
                        patches.get(i).identity().checkCompatible(identity);
                    } catch (RuntimeException e) {
                        throw new UserInputException(model.patches.get(i) + ": " + ScalpelCommand.oneLine(e.getMessage()));
                    }
                }
            }
            ModelConfig c = ck.config();
            System.out.println("model:         " + model.model);
            ck.metadata().forEach((k, v) -> System.out.printf("%-14s %s%n", k + ":", v));
            System.out.println("architecture:  " + c.architecture());
            System.out.printf("shape:         dim %d, ffn %d, layers %d, heads %d (kv %d), head_dim %d, vocab %d, context %d%n",
                    c.dim(), c.hiddenDim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.vocabSize(), c.contextLength());
            System.out.printf("numerics:      rms_norm_eps %g, rope_theta %s, rope_scaling %s, tied embeddings %s, qkv bias %s%n",
                    c.normEps(), c.ropeTheta(), c.ropeScaling().getClass().getSimpleName(), c.tiedEmbeddings(), ck.qkvBias());
            TreeMap<String, Long> byDtype = new TreeMap<>();
            long params = 0;
            for (Tensor t : ck.weights().tensors()) {
                byDtype.merge(t.dtype().name(), t.size(), Long::sum);
                params += t.size();
            }
            System.out.printf("parameters:    %,d (%s)%n", params, byDtype);
            String label = "tensor types:";
            for (String line : TensorTypeSummary.lines(ck.weights().tensors(), c.layers())) {
                System.out.printf("%-14s %s%n", label, line);
                label = "";
            }
            System.out.printf("gate rows:     %,d (%d layers × %d) — the surgery's edit site%n", (long) c.layers() * c.hiddenDim(), c.layers(), c.hiddenDim());
            for (int i = 0; i < patches.size(); i++) {
                var p = patches.get(i);
                System.out.printf("patch:         %s — %d gate rows += %s·v (probe layer %d, content %s…), fits this model%n",
                        model.patches.get(i), p.size(), p.alpha(), p.probeLayer(), p.contentSha256().substring(0, 12));
            }
            try {
                Tokenizer t = Tokenizers.forModel(model);
                System.out.printf("tokenizer:     %s, %d tokens, bos %d, eos %d%n", t.getClass().getSimpleName(), t.vocabSize(), t.bosId(), t.eosId());
            } catch (RuntimeException e) {
                System.out.println("tokenizer:     none (" + ScalpelCommand.oneLine(e.getMessage()) + ")");
            }
        }
        return 0;
    }
}
