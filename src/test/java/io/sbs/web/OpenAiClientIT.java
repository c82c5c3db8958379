package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * OpenAI's own Java client, unmodified, against the embedded default (P/D engine simulators) over real HTTP:
 * whole and streamed answers, the usage chunk, the model list, and an error as the SDK reads it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sbs.embedded.profile=divided", "sbs.embedded.demo-qps=0"})
class OpenAiClientIT {

    @LocalServerPort
    int port;

    private OpenAIClient client;

    @BeforeEach
    void connect() {
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey("not-checked")
                .timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void chatCompletion_whole() {
        ChatCompletion answer = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(ChatModel.of("sbs")).addUserMessage("Say hello to the staggered batch scheduler")
                .maxTokens(3).build());
        assertThat(answer.choices()).hasSize(1);
        assertThat(answer.choices().get(0).message().content()).hasValueSatisfying(c -> assertThat(c).isNotBlank());
        assertThat(answer.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isEqualTo(3));
    }

    @Test
    void chatCompletion_streaming_deliversEveryToken() {
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(ChatModel.of("sbs")).addUserMessage("Stream to me")
                        .maxTokens(4).build())) {
            List<String> deltas = stream.stream().flatMap(chunk -> chunk.choices().stream())
                    .map(choice -> choice.delta().content().orElse(null)).filter(Objects::nonNull).toList();
            assertThat(deltas).containsExactly("tok0 ", "tok1 ", "tok2 ", "tok3 ");
        }
    }

    @Test
    void chatCompletion_streamingWithIncludeUsage_endsWithTheUsage() {
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(ChatModel.of("sbs")).addUserMessage("Count for me")
                        .maxTokens(2).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .build())) {
            List<ChatCompletionChunk> chunks = stream.stream().toList();
            ChatCompletionChunk last = chunks.get(chunks.size() - 1);
            assertThat(last.choices()).isEmpty();
            assertThat(last.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isEqualTo(2));
        }
    }

    @Test
    void badRequest_surfacesAsTheSdksBadRequestException_withTypeAndParam() {
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(ChatModel.of("sbs")).addUserMessage("too much").maxTokens(1_000_000).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.type()).hasValue("invalid_request_error");
                    assertThat(e.param()).hasValue("max_tokens");
                    assertThat(e.code()).hasValue("context_length_exceeded");
                    assertThat(e.getMessage()).contains("maximum context length");
                });
    }

    @Test
    void completion_andModels() {
        Completion answer = client.completions().create(CompletionCreateParams.builder()
                .model(CompletionCreateParams.Model.of("sbs")).prompt("Once upon a time").maxTokens(2).build());
        assertThat(answer.choices().get(0).text()).isEqualTo("tok0 tok1 ");
        assertThat(client.models().list().data()).extracting(Model::id).contains("sbs");
    }
}
