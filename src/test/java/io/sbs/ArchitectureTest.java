package io.sbs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md: the scheduling core and the simulator depend on the JDK only and
 * take time and randomness from their callers, so the live service and the simulator run the same code.
 *
 * <p>Each rule is defined once, as a method taking the layer's package pattern. The real-code tests apply
 * it to {@code io.sbs.core..} / {@code io.sbs.sim..}; the fixture tests apply the very same definition to
 * {@code io.sbs.archfixture.core..}, whose classes break the rules on purpose, and expect it to fail. Every
 * rule allows an empty selection, so a fixture test cannot pass merely because no class was imported.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sbs");

    /** Test classes included: the fixtures live in src/test. */
    private static final JavaClasses FIXTURES = new ClassFileImporter().importPackages("io.sbs.archfixture");

    private static final String FIXTURE_CORE = "io.sbs.archfixture.core..";

    static ArchRule dependsOnlyOn(String layer, String... allowed) {
        return classes().that().resideInAPackage(layer)
                .should().onlyDependOnClassesThat().resideInAnyPackage(allowed)
                .allowEmptyShould(true);
    }

    static ArchRule readsNoClockAndNoUnseededRandom(String layer) {
        return noClasses().that().resideInAPackage(layer)
                .should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                // Every overload: Instant.now(), Instant.now(Clock), LocalDateTime.now(ZoneId), ...
                .orShould().callMethodWhere(callTo("java.time.*.now(..)", "java.time", "now"))
                .orShould().callMethod(Clock.class, "systemUTC")
                .orShould().callMethod(Clock.class, "systemDefaultZone")
                .orShould().callMethodWhere(callTo("Thread.sleep(..)", Thread.class.getName(), "sleep"))
                .orShould().callConstructor(Random.class)
                .orShould().callConstructor(SplittableRandom.class)
                .because("time and randomness are injected, so simulations are deterministic and the live "
                        + "service can run the same code with a real clock")
                .allowEmptyShould(true);
    }

    static ArchRule staysOutOfSpringAndTheBenchRunner(String layer) {
        return noClasses().that().resideInAPackage(layer)
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "io.sbs.bench..")
                .allowEmptyShould(true);
    }

    /** Calls to any overload of {@code name} on the class {@code ownerPrefix} or any class in that package. */
    private static DescribedPredicate<JavaAccess<?>> callTo(String description, String ownerPrefix, String name) {
        return DescribedPredicate.describe(description, call -> {
            String owner = call.getTargetOwner().getName();
            return call.getName().equals(name)
                    && (owner.equals(ownerPrefix) || owner.startsWith(ownerPrefix + "."));
        });
    }

    @Test
    void check_coreClasses_dependOnJdkOnly() {
        dependsOnlyOn("io.sbs.core..", "java..", "io.sbs.core..", "org.jspecify..").check(MAIN);
    }

    @Test
    void check_simClasses_dependOnCoreAndJdkOnly() {
        dependsOnlyOn("io.sbs.sim..", "java..", "io.sbs.core..", "io.sbs.sim..", "org.jspecify..").check(MAIN);
    }

    @Test
    void check_coreClasses_readNoClockAndNoUnseededRandom() {
        readsNoClockAndNoUnseededRandom("io.sbs.core..").check(MAIN);
    }

    @Test
    void check_simClasses_readNoClockAndNoUnseededRandom() {
        readsNoClockAndNoUnseededRandom("io.sbs.sim..").check(MAIN);
    }

    @Test
    void check_coreAndSimClasses_stayOutOfSpringAndTheBenchRunner() {
        staysOutOfSpringAndTheBenchRunner("io.sbs.core..").check(MAIN);
        staysOutOfSpringAndTheBenchRunner("io.sbs.sim..").check(MAIN);
    }

    @Test
    void dependsOnlyOn_springReferenceInFixture_fails() {
        ArchRule rule = dependsOnlyOn(FIXTURE_CORE, "java..", FIXTURE_CORE, "org.jspecify..");

        assertThatThrownBy(() -> rule.check(FIXTURES))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("SpringLeakFixture")
                .hasMessageContaining("org.springframework");
    }

    @Test
    void readsNoClock_clockAndRandomCallsInFixture_failOnEach() {
        ArchRule rule = readsNoClockAndNoUnseededRandom(FIXTURE_CORE);

        assertThatThrownBy(() -> rule.check(FIXTURES))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("System.nanoTime()")
                .hasMessageContaining("Instant.now(java.time.Clock)")
                .hasMessageContaining("LocalDateTime.now()")
                .hasMessageContaining("Thread.sleep(long, int)")
                .hasMessageContaining("Random.<init>()");
    }

    @Test
    void staysOutOfSpring_springReferenceInFixture_fails() {
        ArchRule rule = staysOutOfSpringAndTheBenchRunner(FIXTURE_CORE);

        assertThatThrownBy(() -> rule.check(FIXTURES))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("SpringLeakFixture")
                .hasMessageContaining("org.springframework");
    }
}
