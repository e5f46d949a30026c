/**
 * Tokenizers: text to ids and back, matching Hugging Face's tokenizers and llama.cpp id for id.
 *
 * <p>{@link io.scalpel.tokenizer.TokenizerLoader} is the entry point (tokenizer.json, model folders, GGUF,
 * llama2.c tokenizer.bin, GPT-2's encoder.json + vocab.bpe). Two algorithms cover the formats:
 * {@link io.scalpel.tokenizer.SentencePieceBpe} (Llama 2 family, llama2.c) and
 * {@link io.scalpel.tokenizer.ByteLevelBpe} (GPT-2, Llama 3, Qwen2, SmolLM).
 *
 * <p>Choices where the references differ: text after a special token written in the input gets its own
 * SentencePiece space prefix (llama.cpp; Hugging Face's fast tokenizer does not, for "normalized" added
 * tokens); decoding skips control tokens and drops only the first leading space of a SentencePiece sequence.
 */
package io.scalpel.tokenizer;
