package io.sbs.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.sim.EngineProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileLoaderTest {

    private static final Path TINY = TestFiles.resource("test-profiles/tiny.json");

    @Test
    void load_path_bindsEveryField() {
        EngineProfile p = ProfileLoader.load(TINY);
        assertThat(p.name()).isEqualTo("tiny");
        assertThat(p.description()).isEqualTo("Two small instances for tests.");
        assertThat(p.prefill()).isEqualTo(new EngineProfile.Prefill(2, 4, 2048,
                EngineProfile.ChunkSemantics.GLOBAL_DIVIDED, 20, 0.04, 0.002, 0.5, 0.1, 64, 512));
        assertThat(p.prefill().unitChunkTokens()).isEqualTo(512);
        assertThat(p.decode()).isEqualTo(new EngineProfile.Decode(1, 8, 120_000, 8, 0.2, 0.15, 0.01, 0.02));
        assertThat(p.network()).isEqualTo(new EngineProfile.Network(1.5, 2.5, 4));
        assertThat(ProfileLoader.load(TINY.toString())).isEqualTo(p);
    }

    @Test
    void available_bundledProfiles_eachLoadsUnderItsName() {
        assertThat(ProfileLoader.available()).isNotEmpty().doesNotHaveDuplicates();
        for (String name : ProfileLoader.available()) {
            assertThat(ProfileLoader.load(name).name()).isEqualTo(name);
        }
    }

    @Test
    void load_unknownName_listsTheBundledOnes() {
        assertThatThrownBy(() -> ProfileLoader.load("no-such-profile")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no-such-profile").hasMessageContaining(ProfileLoader.available().get(0));
        assertThatThrownBy(() -> ProfileLoader.load("missing/file.json")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing/file.json");
    }

    @Test
    void load_unknownField_namesFieldAndWhereItSits() {
        Path typo = TestFiles.resource("test-profiles/typo.json");
        assertThatThrownBy(() -> ProfileLoader.load(typo)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(typo.toString()).hasMessageContaining("prefill.bMaxMsPerTokn");
    }

    @Test
    void load_missingField_namesIt(@TempDir Path dir) throws IOException {
        Path missing = write(dir, "missing.json", tiny().replace(",\n    \"kvTransferMs\": 4.0", ""));
        assertThatThrownBy(() -> ProfileLoader.load(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(missing.toString()).hasMessageContaining("kvTransferMs");
    }

    @Test
    void load_noDescription_defaultsToEmpty(@TempDir Path dir) throws IOException {
        Path f = write(dir, "nodesc.json", tiny().replace("\"description\": \"Two small instances for tests.\",", ""));
        assertThat(ProfileLoader.load(f).description()).isEmpty();
    }

    @Test
    void load_recordValidationFails_reportsFileAndReason(@TempDir Path dir) throws IOException {
        Path f = variant(dir, "\"jitterFraction\": 0.1", "\"jitterFraction\": 1.5");
        assertThatThrownBy(() -> ProfileLoader.load(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining("jitter");
        Path g = variant(dir, "\"chunkSemantics\": \"GLOBAL_DIVIDED\"", "\"chunkSemantics\": \"PER_REQUEST\"");
        assertThatThrownBy(() -> ProfileLoader.load(g)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(g.toString()).hasMessageContaining("PER_REQUEST");
        Path h = variant(dir, "\"name\": \"tiny\"", "\"name\": null");
        assertThatThrownBy(() -> ProfileLoader.load(h)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(h.toString()).hasMessageContaining("name");
    }

    @Test
    void load_notJson_reportsFile(@TempDir Path dir) throws IOException {
        Path f = write(dir, "broken.json", "{\"name\": ");
        assertThatThrownBy(() -> ProfileLoader.load(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining("malformed JSON");
        Path g = write(dir, "array.json", "[1]");
        assertThatThrownBy(() -> ProfileLoader.load(g)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected a JSON object");
    }

    private static String tiny() throws IOException {
        return Files.readString(TINY);
    }

    private static Path variant(Path dir, String from, String to) throws IOException {
        String text = tiny();
        assertThat(text).contains(from);
        return write(dir, "variant-" + Math.abs(to.hashCode()) + ".json", text.replace(from, to));
    }

    private static Path write(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
