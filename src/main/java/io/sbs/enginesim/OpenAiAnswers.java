package io.sbs.enginesim;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.sbs.engine.PromptTokens;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** What the simulated prefill and decode servers answer: OpenAI and SGLang-native bodies, SSE, problems. */
final class OpenAiAnswers {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final PromptTokens PROMPT_TOKENS = PromptTokens.estimateOnly();
    /**
     * Event loops of every simulated engine in the process, servers and clients alike. Not Reactor Netty's
     * global ones: an in-process application that shuts down disposes those (Spring's resource factory
     * does), which would take down the simulators of another application still running, as in tests.
     */
    static final LoopResources LOOPS = LoopResources.create("engine-sim", 2, true);

    enum Api { CHAT, COMPLETION, NATIVE }

    private OpenAiAnswers() {
    }

    /** The DP rank from the body field or the header; -1 when neither pins one. */
    static int rank(JsonNode json, @Nullable String header) {
        JsonNode field = json.has("data_parallel_rank") ? json.get("data_parallel_rank") : json.get("routed_dp_rank");
        if (field != null && !field.isNull()) {
            if (!field.isIntegralNumber() || field.asInt() < 0) {
                throw new IllegalArgumentException("data_parallel_rank must be a non-negative integer");
            }
            return field.asInt();
        }
        if (header != null) {
            try {
                return Integer.parseInt(header.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("X-Data-Parallel-Rank must be an integer", e);
            }
        }
        return -1;
    }

    static int outputTokens(JsonNode json, Api api) {
        int n = api == Api.NATIVE ? json.path("sampling_params").path("max_new_tokens").asInt(16)
                : json.path("max_tokens").asInt(json.path("max_completion_tokens").asInt(16));
        return Math.max(1, Math.min(n, 4096));
    }

    /**
     * One token per {@code step}, the first at once, as SSE frames ending in {@code [DONE]}; with
     * {@code stream_options.include_usage} in {@code request}, a last chunk with no choices and the usage, as
     * OpenAI, SGLang and vLLM send it.
     */
    static Flux<String> events(Api api, long id, JsonNode request, int prompt, int output, Duration step) {
        return events(api, id, request, prompt, 0, output, step);
    }

    /** {@link #events(Api, long, JsonNode, int, int, Duration)} with {@code cached} prompt tokens in the usage. */
    static Flux<String> events(Api api, long id, JsonNode request, int prompt, int cached, int output, Duration step) {
        Flux<String> tokens = Flux.range(0, output)
                .concatMap(i -> i == 0 ? Mono.just(i) : Mono.delay(step).thenReturn(i))
                .map(i -> "data: " + chunk(api, id, i, i == output - 1) + "\n\n");
        if (request.path("stream_options").path("include_usage").asBoolean(false)) {
            tokens = tokens.concatWith(Mono.fromSupplier(() -> "data: " + usageChunk(api, id, prompt, cached, output) + "\n\n"));
        }
        return tokens.concatWith(Mono.just("data: [DONE]\n\n"));
    }

    static String usageChunk(Api api, long id, int prompt, int cached, int output) {
        ObjectNode o = chunkEnvelope(api, id);
        o.putArray("choices");
        usage(o, prompt, cached, output);
        return o.toString();
    }

    /** OpenAI's usage object; the prompt tokens served from the prefix cache in {@code prompt_tokens_details}. */
    private static void usage(ObjectNode answer, int prompt, int cached, int output) {
        ObjectNode usage = answer.putObject("usage");
        usage.put("prompt_tokens", prompt).put("completion_tokens", output).put("total_tokens", prompt + output);
        usage.putObject("prompt_tokens_details").put("cached_tokens", cached);
    }

    /** What every chunk of a stream carries besides its choices or usage; {@code created} in wall-clock seconds, as OpenAI's. */
    private static ObjectNode chunkEnvelope(Api api, long id) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "sim-" + id);
        o.put("created", Instant.now().getEpochSecond());
        o.put("model", "sbs-engine-sim");
        o.put("object", api == Api.CHAT ? "chat.completion.chunk" : "text_completion");
        return o;
    }

    static Mono<Void> stream(HttpServerResponse res, Flux<String> events) {
        return Mono.from(res.status(200).header("content-type", "text/event-stream").header("cache-control", "no-cache")
                .sendString(events));
    }

    static Mono<Void> json(HttpServerResponse res, String body) {
        return Mono.from(res.status(200).header("content-type", "application/json").sendString(Mono.just(body)));
    }

    static String chunk(Api api, long id, int index, boolean last) {
        ObjectNode o = chunkEnvelope(api, id);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        if (api == Api.CHAT) {
            choice.putObject("delta").put("content", "tok" + index + " ");
        } else {
            choice.put("text", "tok" + index + " ");
        }
        if (last) {
            choice.put("finish_reason", "length");
        } else {
            choice.putNull("finish_reason");
        }
        return o.toString();
    }

    static String whole(Api api, long id, int prompt, int output) {
        return whole(api, id, prompt, 0, output);
    }

    /** A whole answer with {@code cached} prompt tokens in its usage. */
    static String whole(Api api, long id, int prompt, int cached, int output) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < output; i++) {
            text.append("tok").append(i).append(' ');
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "sim-" + id);
        o.put("created", Instant.now().getEpochSecond());
        o.put("model", "sbs-engine-sim");
        if (api == Api.NATIVE) {
            o.put("text", text.toString());
        } else {
            o.put("object", api == Api.CHAT ? "chat.completion" : "text_completion");
            ObjectNode choice = o.putArray("choices").addObject();
            choice.put("index", 0);
            if (api == Api.CHAT) {
                choice.putObject("message").put("role", "assistant").put("content", text.toString());
            } else {
                choice.put("text", text.toString());
            }
            choice.put("finish_reason", "length");
        }
        usage(o, prompt, cached, output);
        return o.toString();
    }

    static Mono<Void> problem(HttpServerResponse res, HttpResponseStatus status, @Nullable String detail) {
        ObjectNode p = JSON.createObjectNode();
        p.put("type", "about:blank");
        p.put("title", status.reasonPhrase());
        p.put("status", status.code());
        p.put("detail", detail == null ? status.reasonPhrase() : detail);
        return Mono.from(res.status(status).header("content-type", "application/problem+json")
                .sendString(Mono.just(p.toString())));
    }
}
