package io.sbs.engine;

import tools.jackson.databind.JsonNode;

/**
 * Prompt length of an OpenAI-format or SGLang-native request body, in tokens: exact when the body carries
 * token ids ({@code input_ids}, or {@code prompt} given as an array of ids), otherwise an estimate of one
 * token per four characters of text ({@code messages[].content}, {@code prompt}, {@code text}), the usual
 * rule of thumb for English with BPE tokenizers. A per-model tokenizer replaces the estimate later.
 */
public final class PromptTokens {

    private PromptTokens() {
    }

    public static int of(JsonNode body) {
        if (body.path("input_ids").isArray()) {
            return Math.max(1, body.get("input_ids").size());
        }
        if (body.path("prompt").isArray() && !body.get("prompt").isEmpty() && body.get("prompt").get(0).isIntegralNumber()) {
            return body.get("prompt").size();
        }
        long chars = 0;
        for (JsonNode m : body.path("messages")) {
            JsonNode content = m.path("content");
            if (content.isString()) {
                chars += content.asString().length();
            } else {
                for (JsonNode part : content) {
                    chars += part.path("text").asString("").length();
                }
            }
        }
        chars += body.path("prompt").isString() ? body.get("prompt").asString().length() : 0;
        chars += body.path("text").asString("").length();
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (chars + 3) / 4));
    }
}
