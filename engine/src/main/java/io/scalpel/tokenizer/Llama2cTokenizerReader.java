package io.scalpel.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads llama2.c's {@code tokenizer.bin}: int32 max token length, then per token a float score, an int32
 * byte length and the bytes. Spaces are plain spaces (the exporter replaced {@code ▁}), BOS and EOS are
 * spelled {@code "\n<s>\n"} and {@code "\n</s>\n"}, and bytes {@code <0x00>..<0xFF>} sit at ids 3..258.
 * Encoding follows run.c's {@code encode}: a space prefix for non-empty text, byte fallback, then
 * highest-score merges; special tokens are not matched in the text.
 */
public final class Llama2cTokenizerReader {
    /** run.c's fixed ids. */
    private static final int BOS = 1, EOS = 2, UNK = 0;

    private Llama2cTokenizerReader() {}

    /**
     * @param vocabSize entries to read (from the checkpoint header), or 0 to read until the end of the file
     * @throws TokenizerException naming the file if it is missing, truncated or malformed
     */
    public static SentencePieceBpe load(Path file, int vocabSize) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file); // a few hundred KB at most
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file, "no such file");
        } catch (IOException e) {
            throw new TokenizerException(file, "cannot read: " + e.getMessage(), e);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < 4) throw new TokenizerException(file, "truncated: " + bytes.length + " bytes, no header");
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0) throw new TokenizerException(file, "max token length " + maxTokenLength + " is not positive; not a llama2.c tokenizer.bin");

        List<String> texts = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (vocabSize > 0 ? texts.size() < vocabSize : in.hasRemaining()) {
            int id = texts.size();
            if (in.remaining() < 8) throw truncated(file, id, vocabSize);
            float score = in.getFloat();
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                if (length < 0 || length > maxTokenLength) {
                    throw new TokenizerException(file, "token " + id + " has length " + length + " (max " + maxTokenLength + "); not a llama2.c tokenizer.bin");
                }
                throw truncated(file, id, vocabSize);
            }
            byte[] text = new byte[length];
            in.get(text);
            texts.add(new String(text, StandardCharsets.UTF_8));
            scores.add(score);
        }
        if (texts.size() <= EOS) throw new TokenizerException(file, "only " + texts.size() + " tokens; run.c needs at least <unk>, <s>, </s>");

        TokenType[] types = new TokenType[texts.size()];
        float[] scoreArray = new float[texts.size()];
        for (int i = 0; i < types.length; i++) {
            scoreArray[i] = scores.get(i);
            types[i] = i == UNK ? TokenType.UNKNOWN : i == BOS || i == EOS ? TokenType.CONTROL
                    : ByteTokenSpelling.parse(texts.get(i)) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
        }
        Vocabulary vocab = Vocabulary.of(texts, types);
        return new SentencePieceBpe(vocab, MergeTable.fromScores(vocab, scoreArray), SentencePieceBpe.Options.LLAMA2C,
                SpecialTokenMatcher.none(), BOS, EOS, UNK);
    }

    private static TokenizerException truncated(Path file, int id, int vocabSize) {
        return new TokenizerException(file, "truncated at token " + id + (vocabSize > 0 ? " of " + vocabSize : ""));
    }
}
