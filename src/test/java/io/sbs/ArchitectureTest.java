package io.sbs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layering of docs/architecture.md: every package of {@code io.sbs} may use only the packages its row
 * of the table names, the product never uses its tools, no two packages depend on each other, and the
 * scheduling core and the simulator depend on the JDK only and take time and randomness from their
 * callers, so the live service and the simulator run the same code.
 *
 * <p>Each rule is defined once, as a method taking the layer's package pattern. The real-code tests apply
 * it to the packages of {@code io.sbs}; the fixture tests apply the very same definition to packages of
 * {@code io.sbs.archfixture}, whose classes break the rules on purpose, and expect it to fail. Every
 * rule allows an empty selection, so a fixture test cannot pass merely because no class was imported.
 */
class ArchitectureTest {

    /** The product: what runs in the dispatcher. None of it may use a tool. */
    private static final List<String> PRODUCT = List.of("core", "sim", "formats", "engine", "state", "loop",
            "config", "errors", "control", "cluster", "security", "admin", "dashboard", "web");

    /** The tools beside the product (app/bench, app/chaos, app/engine-sim): they may use the product. */
    private static final List<String> TOOL_USES = Stream.concat(PRODUCT.stream(), Stream.of("cli", "tools")).toList();

    /**
     * The table of docs/architecture.md: each package of {@code io.sbs} and the other packages of
     * {@code io.sbs} it may use (libraries are not listed here; core and sim have rules of their own).
     */
    static final Map<String, List<String>> LAYERS = layers();

    private static Map<String, List<String>> layers() {
        Map<String, List<String>> layers = new LinkedHashMap<>();
        layers.put("core", List.of());
        layers.put("sim", List.of("core"));
        layers.put("formats", List.of("core", "sim"));
        layers.put("engine", List.of("core"));
        layers.put("state", List.of("core"));
        layers.put("loop", List.of("core", "engine"));
        layers.put("config", List.of("core", "engine", "state"));
        layers.put("errors", List.of("engine"));
        layers.put("control", List.of("core", "sim", "state", "loop"));
        layers.put("cluster", List.of("core", "engine", "loop", "config"));
        layers.put("security", List.of("config", "errors"));
        layers.put("admin", List.of("core", "engine", "state", "loop", "config", "errors", "control", "cluster"));
        layers.put("dashboard", List.of("core", "state", "loop", "control", "security"));
        layers.put("web", List.of("core", "sim", "formats", "engine", "state", "loop", "config", "errors", "control",
                "cluster"));
        layers.put("cli", List.of());
        layers.put("tools", PRODUCT);
        layers.put("bench", TOOL_USES);
        layers.put("chaos", TOOL_USES);
        layers.put("enginesim", TOOL_USES);
        return layers;
    }

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sbs");

    /** Test classes included: the fixtures live in src/test. */
    private static final JavaClasses FIXTURES = new ClassFileImporter().importPackages("io.sbs.archfixture");

    private static final String FIXTURE_CORE = "io.sbs.archfixture.core..";

    private static final String ROOT = "io.sbs";
    private static final String FIXTURE_ROOT = "io.sbs.archfixture";

    /**
     * The classes of {@code root.pkg} use nothing of {@code root} but their own package and {@code allowed}
     * (each with its subpackages); anything outside {@code root} is left to the other rules.
     */
    static ArchRule layer(String root, String pkg, List<String> allowed) {
        String[] inside = Stream.concat(Stream.of(pkg), allowed.stream()).map(p -> root + "." + p + "..")
                .toArray(String[]::new);
        return classes().that().resideInAPackage(root + "." + pkg + "..")
                .should().onlyDependOnClassesThat(JavaClass.Predicates.resideOutsideOfPackage(root + "..")
                        .or(JavaClass.Predicates.resideInAnyPackage(inside)))
                .because("docs/architecture.md lets " + pkg + " use " + (allowed.isEmpty() ? "no other package"
                        : String.join(", ", allowed)))
                .allowEmptyShould(true);
    }

    /** No two packages directly under {@code root} depend on each other, however indirectly. */
    static ArchRule freeOfCycles(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles().allowEmptyShould(true);
    }

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

    static Stream<String> packages() {
        return LAYERS.keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packages")
    void check_package_usesOnlyWhatTheTableAllows(String pkg) {
        layer(ROOT, pkg, LAYERS.get(pkg)).check(MAIN);
    }

    @Test
    void check_packages_areFreeOfCycles() {
        freeOfCycles(ROOT).check(MAIN);
    }

    @Test
    void check_everyPackage_hasARowInTheTable() {
        Set<String> packages = MAIN.stream().map(JavaClass::getPackageName)
                .filter(p -> p.startsWith(ROOT + "."))
                .map(p -> p.substring(ROOT.length() + 1).split("\\.")[0])
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(packages).isEqualTo(new TreeSet<>(LAYERS.keySet()));
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

    @Test
    void layer_productUsingAToolInFixture_fails() {
        ArchRule rule = layer(FIXTURE_ROOT, "product", List.of());

        assertThatThrownBy(() -> rule.check(FIXTURES))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("ToolLeakFixture")
                .hasMessageContaining("io.sbs.archfixture.tool.FixtureTool");
    }

    @Test
    void layer_toolUsingNothingOfTheFixture_holds() {
        layer(FIXTURE_ROOT, "tool", List.of()).check(FIXTURES);
    }

    @Test
    void freeOfCycles_packageCycleInFixture_fails() {
        ArchRule rule = freeOfCycles(FIXTURE_ROOT);

        assertThatThrownBy(() -> rule.check(FIXTURES))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("CycleStartFixture")
                .hasMessageContaining("CycleEndFixture");
    }
}
