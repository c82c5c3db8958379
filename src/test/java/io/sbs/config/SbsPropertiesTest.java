package io.sbs.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.security.SecurityProperties;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.validation.FieldError;

/**
 * The {@code sbs.*} settings bound and checked as at start: defaults from the records, and every invalid value
 * refused with the property's name rather than replaced.
 */
class SbsPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({SbsProperties.class, SecurityProperties.class})
    static class Settings {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Settings.class);

    /**
     * {@code property} as Spring Boot's failure analysis prints it: the configuration prefix and the record
     * component's path ({@code sbs.decode.outputLength}); where the value was set, the analysis adds its origin
     * ({@code sbs.decode.output-length} from where).
     */
    private void refused(String setting, String property, String reason) {
        runner.withPropertyValues(setting).run(context -> assertThat(analysis(context)).as("start with %s", setting)
                .anySatisfy(line -> assertThat(line).startsWith(property + ": ").contains(reason)));
    }

    private void accepted(String setting, Consumer<SbsProperties> check) {
        runner.withPropertyValues(setting).run(context -> {
            assertThat(context).as("start with %s", setting).hasNotFailed();
            check.accept(context.getBean(SbsProperties.class));
        });
    }

    /** The start failure, one "property: reason" line per refused value, as the failure analysis lists them. */
    private static List<String> analysis(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        BindValidationException invalid = null;
        for (Throwable t = context.getStartupFailure(); t != null && invalid == null; t = t.getCause()) {
            invalid = t instanceof BindValidationException b ? b : null;
        }
        assertThat(invalid).as("a validation failure, not a failure to bind").isNotNull();
        return invalid.getValidationErrors().getAllErrors().stream()
                .map(e -> (e instanceof FieldError f ? f.getObjectName() + "." + f.getField() : e.getObjectName())
                        + ": " + e.getDefaultMessage())
                .toList();
    }

    @Test
    void nothingSet_bindsTheDocumentedDefaults() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            SbsProperties sbs = context.getBean(SbsProperties.class);
            assertThat(sbs.policy()).isEqualTo("sbs");
            assertThat(sbs.maxPromptTokens()).isEqualTo(65_536);
            assertThat(sbs.maxContextTokens()).isEqualTo(131_072);
            assertThat(sbs.maxBuffered()).isEqualTo(10_000);
            assertThat(sbs.maxQueueTime()).isEqualTo(Duration.ofSeconds(2));
            assertThat(sbs.engineTimeout()).isEqualTo(Duration.ofSeconds(60));
            assertThat(sbs.pollInterval()).isEqualTo(Duration.ofMillis(50));
            assertThat(sbs.requestReadTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(sbs.instances()).isEmpty();
            assertThat(sbs.tokenizers()).isEmpty();
            assertThat(sbs.embedded()).isEqualTo(new SbsProperties.Embedded("divided", 5, false));
            assertThat(sbs.decode()).isEqualTo(new SbsProperties.Decode("max-tokens", 256));
            assertThat(sbs.instanceNetworks().allow()).isEmpty();
            assertThat(sbs.instanceNetworks().deny()).containsExactly("169.254.0.0/16", "fe80::/10");
            assertThat(sbs.preview().traces()).as("no development path as a product default").isNull();
            assertThat(sbs.preview().maxBlockHashes()).isEqualTo(4_194_304);
            assertThat(sbs.state().store()).isEqualTo("memory");
            assertThat(sbs.state().nodeId()).isNotBlank();
            assertThat(sbs.state().timings()).isEqualTo(io.sbs.state.LeaseTimings.DEFAULTS);
            SecurityProperties security = context.getBean(SecurityProperties.class);
            assertThat(security.loginAttempts()).isEqualTo(new SecurityProperties.LoginLimits(50, 200,
                    Duration.ofMinutes(1)));
        });
    }

    @Test
    void maxPromptTokensZero_stopsTheStart_namingTheProperty() {
        refused("sbs.max-prompt-tokens=0", "sbs.maxPromptTokens", "must be greater than 0");
    }

    @Test
    void contextShorterThanTheLongestPrompt_stopsTheStart_namingBoth() {
        refused("sbs.max-context-tokens=4096", "sbs.contextAtLeastPrompt",
                "sbs.max-context-tokens must be at least sbs.max-prompt-tokens");
        // unset, the context follows a longer prompt limit, as before
        runner.withPropertyValues("sbs.max-prompt-tokens=200000").run(context ->
                assertThat(context.getBean(SbsProperties.class).maxContextTokens()).isEqualTo(200_000));
    }

    @Test
    void invalidValues_stopTheStart_namingTheProperty() {
        refused("sbs.max-buffered=-1", "sbs.maxBuffered", "must be greater than 0");
        refused("sbs.engine-timeout=0s", "sbs.engineTimeout", "must be positive");
        refused("sbs.poll-interval=-5ms", "sbs.pollInterval", "must be positive");
        refused("sbs.decode.output-length=oracle", "sbs.decode.outputLength", "must be max-tokens or predicted");
        refused("sbs.decode.default-max-tokens=0", "sbs.decode.defaultMaxTokens", "must be greater than 0");
        refused("sbs.state.store=disk", "sbs.state.store", "must be memory or redis");
        refused("sbs.state.wait-replicas=-1", "sbs.state.waitReplicas", "must be greater than or equal to 0");
        refused("sbs.state.degraded-grace=-1s", "sbs.state.degradedGrace", "must not be negative");
        refused("sbs.state.demotion-deadline=3s", "sbs.state.leaseConsistent",
                "sbs.state.demotion-deadline must exceed sbs.state.renew-period");
        refused("sbs.preview.threads=0", "sbs.preview.threads", "must be greater than 0");
        refused("sbs.embedded.demo-qps=-1", "sbs.embedded.demoQps", "must be greater than or equal to 0");
        refused("sbs.security.login-attempts.per-user=0", "sbs.security.loginAttempts.perUser",
                "must be greater than 0");
    }

    @Test
    void invalidInstance_stopsTheStart_namingTheProperty() {
        runner.withPropertyValues("sbs.instances[0].id=p0", "sbs.instances[0].url=http://10.0.0.1:30000",
                "sbs.instances[0].kind=triton", "sbs.instances[0].dp-units=0", "sbs.instances[0].chunk-tokens=1024",
                "sbs.instances[0].bootstrap-port=70000").run(context -> assertThat(analysis(context))
                        .containsExactlyInAnyOrder("sbs.instances[0].kind: must be sglang or vllm",
                                "sbs.instances[0].dpUnits: must be greater than 0",
                                "sbs.instances[0].bootstrapPort: must be less than or equal to 65535"));
    }

    @Test
    void zeroWhereZeroMeansNoneOrUnbounded_isAccepted() {
        accepted("sbs.embedded.demo-qps=0", sbs -> assertThat(sbs.embedded().demoQps()).isZero());
        accepted("sbs.preview.max-block-hashes=0", sbs -> assertThat(sbs.preview().maxBlockHashes()).isZero());
        accepted("sbs.state.degraded-grace=0", sbs -> assertThat(sbs.state().degradedGrace()).isZero());
        accepted("sbs.state.wait-replicas=0", sbs -> assertThat(sbs.state().waitReplicas()).isZero());
        runner.withPropertyValues("sbs.instances[0].id=d0", "sbs.instances[0].url=http://10.0.0.1:30000",
                "sbs.instances[0].kind=sglang", "sbs.instances[0].role=decode", "sbs.instances[0].dp-units=8")
                .run(context -> {
                    SbsProperties.Instance d0 = context.getBean(SbsProperties.class).instances().get(0);
                    assertThat(d0.kvCapacityTokens()).as("0: unbounded").isEqualTo(Long.MAX_VALUE);
                    assertThat(d0.bootstrapPort()).isEqualTo(8998);
                    assertThat(d0.cacheBlockTokens()).isEqualTo(512);
                });
    }
}
