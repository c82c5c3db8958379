package io.sbs.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TraceFormatTest {

    @Test
    void detect_byExtension_ignoringCase() {
        assertThat(TraceFormat.detect(Path.of("a/b/AzureLLMInferenceTrace_conv.CSV"))).isEqualTo(TraceFormat.AZURE);
        assertThat(TraceFormat.detect(Path.of("conversation_trace.jsonl"))).isEqualTo(TraceFormat.MOONCAKE);
        assertThatThrownBy(() -> TraceFormat.detect(Path.of("trace.json")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--format");
    }

    @Test
    void parse_byName_ignoringCase() {
        assertThat(TraceFormat.parse("Mooncake")).isEqualTo(TraceFormat.MOONCAKE);
        assertThatThrownBy(() -> TraceFormat.parse("splitwise")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("azure or mooncake");
    }

    @Test
    void read_dispatchesToTheFormatsReader() {
        assertThat(TraceFormat.readDetected(TestFiles.resource("traces/azure_sample.csv"))).hasSize(40);
        // Mooncake through the enum spreads buckets
        assertThat(TraceFormat.MOONCAKE.read(TestFiles.resource("traces/mooncake_sample.jsonl")).get(1).arrivalNanos())
                .isEqualTo(600_000_000L);
    }
}
