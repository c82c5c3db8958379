package io.sbs.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAntiAffinity;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.sbs.config.SbsProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * The manifests in {@code k8s/}, parsed with the fabric8 Kubernetes model and checked against each other
 * and against the application: what a cluster would only reveal at apply time or, worse, at the first
 * failover. Nothing here talks to a cluster.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of("k8s");
    private static final Path REDIS = Path.of("redis");
    private static final Path APP_PROPERTIES = Path.of("src/main/resources/application.properties");

    private static final String DISPATCHER = "sbs";
    private static final String DISPATCHER_CONTAINER = "dispatcher";
    private static final String DISPATCHER_CONFIG = "sbs-config";
    private static final String REDIS_CONFIG = "sbs-redis-config";

    private static List<Loaded> manifests;
    private static List<Workload> workloads;

    /** One object and the file it came from, for messages that say where to look. */
    record Loaded(Path file, HasMetadata resource) {

        String where() {
            return file.getFileName() + ": " + resource.getKind() + " " + resource.getMetadata().getName();
        }
    }

    /** Deployments and StatefulSets alike: what Services, budgets and references are checked against. */
    record Workload(Loaded source, int replicas, LabelSelector selector, PodTemplateSpec template,
            List<PersistentVolumeClaim> claims) {

        String name() {
            return source.resource().getMetadata().getName();
        }

        Map<String, String> podLabels() {
            Map<String, String> labels = template.getMetadata() == null ? null : template.getMetadata().getLabels();
            return labels == null ? Map.of() : labels;
        }

        PodSpec pod() {
            return template.getSpec();
        }

        List<Container> allContainers() {
            List<Container> all = new ArrayList<>(pod().getContainers());
            all.addAll(orEmpty(pod().getInitContainers()));
            return all;
        }
    }

    @BeforeAll
    static void load() throws IOException {
        KubernetesSerialization serialization = new KubernetesSerialization();
        List<Loaded> loaded = new ArrayList<>();
        for (Path file : manifestFiles()) {
            try (InputStream in = Files.newInputStream(file)) {
                Object parsed = serialization.unmarshal(in);
                // A file of several documents comes back as a list, a file of one as that object.
                List<?> documents = parsed instanceof List<?> list ? list : List.of(parsed);
                for (Object document : documents) {
                    assertThat(document).as("%s holds a Kubernetes object", file).isInstanceOf(HasMetadata.class);
                    loaded.add(new Loaded(file, (HasMetadata) document));
                }
            }
        }
        manifests = List.copyOf(loaded);
        List<Workload> found = new ArrayList<>();
        for (Loaded l : manifests) {
            if (l.resource() instanceof Deployment d) {
                found.add(new Workload(l, d.getSpec().getReplicas(), d.getSpec().getSelector(), d.getSpec().getTemplate(),
                        List.of()));
            } else if (l.resource() instanceof StatefulSet s) {
                found.add(new Workload(l, s.getSpec().getReplicas(), s.getSpec().getSelector(), s.getSpec().getTemplate(),
                        orEmpty(s.getSpec().getVolumeClaimTemplates())));
            }
        }
        workloads = List.copyOf(found);
    }

    private static List<Path> manifestFiles() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void everyManifest_parsesIntoKnownKinds_withoutUnknownFieldsOrANamespace() {
        assertThat(manifests).extracting(l -> l.resource().getKind())
                .contains("Deployment", "StatefulSet", "Service", "ConfigMap", "PodDisruptionBudget");
        List<String> problems = new ArrayList<>();
        for (Loaded l : manifests) {
            // The model keeps fields it does not know in additionalProperties: that is where typos land.
            collectUnknownFields(l.resource(), l.where(), problems);
            if (l.resource().getMetadata().getNamespace() != null) {
                problems.add(l.where() + " sets a namespace; the manifests are applied with -n or an overlay");
            }
        }
        assertThat(problems).as("unknown fields and namespaces").isEmpty();
    }

    @Test
    void kustomization_listsEveryManifest() throws IOException {
        Map<String, Object> kustomization;
        try (InputStream in = Files.newInputStream(K8S.resolve("kustomization.yaml"))) {
            kustomization = new Yaml().load(in);
        }
        assertThat(kustomization.get("resources")).as("kustomization.yaml resources")
                .asInstanceOf(InstanceOfAssertFactories.LIST)
                .containsExactlyInAnyOrderElementsOf(
                        manifestFiles().stream().map(f -> f.getFileName().toString()).toList());
    }

    @Test
    void workloadSelectors_matchTheirOwnPodTemplates_andAntiAffinityTermsSelectTheirOwnPods() {
        assertThat(workloads).isNotEmpty();
        for (Workload w : workloads) {
            assertThat(selects(w.selector(), w.podLabels()))
                    .as("%s: selector %s matches its pod template's labels %s", w.source().where(), w.selector(),
                            w.podLabels())
                    .isTrue();
            PodAntiAffinity anti = w.pod().getAffinity() == null ? null : w.pod().getAffinity().getPodAntiAffinity();
            if (anti == null) {
                continue;
            }
            List<PodAffinityTerm> terms = new ArrayList<>(orEmpty(anti.getRequiredDuringSchedulingIgnoredDuringExecution()));
            orEmpty(anti.getPreferredDuringSchedulingIgnoredDuringExecution()).stream()
                    .map(WeightedPodAffinityTerm::getPodAffinityTerm).forEach(terms::add);
            for (PodAffinityTerm term : terms) {
                // A term that misses its own pods would let every replica land on one node.
                assertThat(selects(term.getLabelSelector(), w.podLabels()))
                        .as("%s: anti-affinity selector %s matches its own pods", w.source().where(),
                                term.getLabelSelector())
                        .isTrue();
            }
        }
    }

    @Test
    void everyServiceAndBudget_selectsExactlyOneWorkload() {
        for (Loaded l : manifests) {
            LabelSelector selector;
            if (l.resource() instanceof Service s) {
                selector = new LabelSelector(List.of(), s.getSpec().getSelector());
            } else if (l.resource() instanceof PodDisruptionBudget p) {
                selector = p.getSpec().getSelector();
            } else {
                continue;
            }
            // Exactly one: a selector that also catches another workload's pods (Sentinels behind the
            // Redis Service, say) is as wrong as one that catches none.
            assertThat(selected(selector)).as("%s: workloads selected by %s", l.where(), selector).hasSize(1);
        }
    }

    @Test
    void everyServiceTargetPort_isAContainerPortOfTheSelectedPods() {
        for (Loaded l : manifests) {
            if (!(l.resource() instanceof Service s)) {
                continue;
            }
            List<Workload> targets = selected(new LabelSelector(List.of(), s.getSpec().getSelector()));
            assertThat(targets).as("%s selects a workload", l.where()).isNotEmpty();
            for (ServicePort port : s.getSpec().getPorts()) {
                IntOrString target = port.getTargetPort() != null ? port.getTargetPort()
                        : new IntOrString(port.getPort());
                for (Workload w : targets) {
                    assertThat(findPort(w.pod().getContainers(), target))
                            .as("%s: targetPort %s is a container port of %s", l.where(), show(target), w.name())
                            .isPresent();
                }
            }
        }
    }

    @Test
    void statefulSets_nameAHeadlessServiceThatSelectsThem() {
        for (Workload w : workloads) {
            if (!(w.source().resource() instanceof StatefulSet s)) {
                continue;
            }
            Service service = find(Service.class, s.getSpec().getServiceName())
                    .orElseThrow(() -> new AssertionError(w.source().where() + ": serviceName "
                            + s.getSpec().getServiceName() + " is not a Service in k8s/"));
            // Pod DNS names (pod.service) exist only under a headless Service that selects the pods.
            assertThat(service.getSpec().getClusterIP()).as("%s is headless", s.getSpec().getServiceName())
                    .isEqualTo("None");
            assertThat(selected(new LabelSelector(List.of(), service.getSpec().getSelector())))
                    .as("%s selects %s", s.getSpec().getServiceName(), w.name()).containsExactly(w);
        }
    }

    @Test
    void everyContainer_hasProbesResourceRequestsAndAMemoryLimit() {
        for (Workload w : workloads) {
            for (Container c : w.allContainers()) {
                String where = w.source().where() + " container " + c.getName();
                assertThat(c.getReadinessProbe()).as("%s readiness probe", where).isNotNull();
                assertThat(c.getLivenessProbe()).as("%s liveness probe", where).isNotNull();
                Map<String, Quantity> requests = c.getResources() == null ? null : c.getResources().getRequests();
                assertThat(requests).as("%s resource requests", where).containsKeys("cpu", "memory");
                Map<String, Quantity> limits = c.getResources().getLimits();
                assertThat(limits).as("%s resource limits", where).containsKey("memory");
                assertThat(Quantity.getAmountInBytes(limits.get("memory")))
                        .as("%s memory limit at least the request", where)
                        .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(requests.get("memory")));
            }
        }
    }

    @Test
    void probes_pointAtDeclaredPorts_andTheDispatchersAtItsActuatorProbeEndpoints() throws IOException {
        Properties app = properties(Files.readString(APP_PROPERTIES));
        Properties deployed = dispatcherProperties();
        // Without this the Actuator serves neither group and both probes answer 404.
        assertThat(setting("management.endpoint.health.probes.enabled", deployed, app))
                .as("management.endpoint.health.probes.enabled in %s or the ConfigMap", APP_PROPERTIES)
                .contains("true");
        setting("management.endpoints.web.exposure.include", deployed, app)
                .ifPresent(exposed -> assertThat(exposed.split(",")).as("exposed endpoints")
                        .containsAnyOf("health", "*"));
        String base = setting("management.endpoints.web.base-path", deployed, app).orElse("/actuator");
        String liveness = base + "/health/liveness";
        String readiness = base + "/health/readiness";
        int serverPort = Integer.parseInt(setting("server.port", deployed, app).orElse("8080"));
        int managementPort = setting("management.server.port", deployed, app).map(Integer::parseInt).orElse(serverPort);

        Container dispatcher = dispatcherContainer();
        assertThat(findPort(List.of(dispatcher), new IntOrString("http")))
                .as("the dispatcher's http port is the one the app listens on (server.port)")
                .get().extracting(ContainerPort::getContainerPort).isEqualTo(serverPort);
        assertThat(httpPath(dispatcher.getLivenessProbe())).as("dispatcher liveness path").isEqualTo(liveness);
        assertThat(httpPath(dispatcher.getReadinessProbe())).as("dispatcher readiness path").isEqualTo(readiness);
        if (dispatcher.getStartupProbe() != null) {
            assertThat(httpPath(dispatcher.getStartupProbe())).as("dispatcher startup path").isEqualTo(liveness);
        }

        Pattern cliPort = Pattern.compile("redis-cli\\b.*?-p (\\d+)");
        for (Workload w : workloads) {
            for (Container c : w.allContainers()) {
                String where = w.source().where() + " container " + c.getName();
                for (Probe probe : Stream.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe())
                        .filter(Objects::nonNull).toList()) {
                    if (probe.getHttpGet() != null) {
                        IntOrString port = probe.getHttpGet().getPort();
                        assertThat(port.getStrVal()).as("%s: an HTTP probe names its port", where).isNotNull();
                        assertThat(findPort(List.of(c), port)).as("%s: probe port %s is declared", where, show(port))
                                .get().extracting(ContainerPort::getContainerPort).isEqualTo(managementPort);
                        assertThat(probe.getHttpGet().getPath()).as("%s: probe path", where).isIn(liveness, readiness);
                    }
                    if (probe.getTcpSocket() != null) {
                        assertThat(findPort(List.of(c), probe.getTcpSocket().getPort()))
                                .as("%s: TCP probe port is declared", where).isPresent();
                    }
                    if (probe.getExec() != null) {
                        Matcher m = cliPort.matcher(String.join(" ", probe.getExec().getCommand()));
                        while (m.find()) {
                            assertThat(findPort(List.of(c), new IntOrString(Integer.parseInt(m.group(1)))))
                                    .as("%s: redis-cli in the probe talks to a declared port (%s)", where, m.group(1))
                                    .isPresent();
                        }
                    }
                }
            }
        }
    }

    @Test
    void everyReferencedConfigMapAndVolume_isDefined_andSecretsAreDocumented() throws IOException {
        String readme = Files.readString(K8S.resolve("README.md"));
        for (Workload w : workloads) {
            String where = w.source().where();
            Set<String> volumes = new TreeSet<>();
            orEmpty(w.pod().getVolumes()).forEach(v -> volumes.add(v.getName()));
            w.claims().forEach(c -> volumes.add(c.getMetadata().getName()));
            for (Volume v : orEmpty(w.pod().getVolumes())) {
                if (v.getConfigMap() != null) {
                    Set<String> keys = configMapKeys(v.getConfigMap().getName(), where);
                    for (KeyToPath item : orEmpty(v.getConfigMap().getItems())) {
                        assertThat(keys).as("%s: volume %s key %s", where, v.getName(), item.getKey())
                                .contains(item.getKey());
                    }
                }
                if (v.getSecret() != null) {
                    assertSecret(v.getSecret().getSecretName(), null, readme, where);
                }
            }
            for (Container c : w.allContainers()) {
                for (VolumeMount m : orEmpty(c.getVolumeMounts())) {
                    assertThat(volumes).as("%s: container %s mounts a declared volume", where, c.getName())
                            .contains(m.getName());
                }
                for (EnvFromSource from : orEmpty(c.getEnvFrom())) {
                    if (from.getConfigMapRef() != null) {
                        configMapKeys(from.getConfigMapRef().getName(), where);
                    }
                    if (from.getSecretRef() != null) {
                        assertSecret(from.getSecretRef().getName(), null, readme, where);
                    }
                }
                for (EnvVar env : orEmpty(c.getEnv())) {
                    if (env.getValueFrom() == null) {
                        continue;
                    }
                    if (env.getValueFrom().getConfigMapKeyRef() != null) {
                        var ref = env.getValueFrom().getConfigMapKeyRef();
                        assertThat(configMapKeys(ref.getName(), where)).as("%s: env %s", where, env.getName())
                                .contains(ref.getKey());
                    }
                    if (env.getValueFrom().getSecretKeyRef() != null) {
                        var ref = env.getValueFrom().getSecretKeyRef();
                        assertSecret(ref.getName(), ref.getKey(), readme, where);
                    }
                }
            }
        }
    }

    @Test
    void dispatcherConfigMap_holdsOnlyRealSettings_thatBindToSbsProperties() {
        Properties deployed = dispatcherProperties();
        assertThat(deployed).as("the dispatcher's application.properties").isNotEmpty();
        Map<String, String> sbs = new TreeMap<>();
        List<String> unknown = new ArrayList<>();
        for (String key : deployed.stringPropertyNames()) {
            if (key.startsWith("spring.") || key.startsWith("management.") || key.startsWith("logging.")) {
                continue;
            }
            if (key.startsWith(SbsProperties.PREFIX + ".")
                    && isSetting(SbsProperties.class, segments(key.substring(SbsProperties.PREFIX.length() + 1)))) {
                sbs.put(key, deployed.getProperty(key));
            } else {
                unknown.add(key);
            }
        }
        assertThat(unknown).as("keys that are neither SbsProperties components nor spring/management/logging")
                .isEmpty();
        // Names alone do not catch a value of the wrong type ("2 seconds" for a Duration) or an invalid
        // role: binding the real record does, as the application would at start.
        SbsProperties bound = new Binder(new MapConfigurationPropertySource(sbs))
                .bind(SbsProperties.PREFIX, SbsProperties.class).get();
        assertThat(bound.instances()).as("instances bound from the ConfigMap")
                .hasSize((int) sbs.keySet().stream().filter(k -> k.matches("sbs\\.instances\\[\\d+]\\.id")).count());

        for (EnvVar env : orEmpty(dispatcherContainer().getEnv())) {
            // the embedded users' passwords are read from the environment by name, not bound
            if (env.getName().startsWith("SBS_") && !USER_PASSWORDS.contains(env.getName())) {
                // Relaxed binding from the environment: SBS_ENGINE_TOKEN is sbs.engine-token, SBS_STATE_NODE_ID
                // sbs.state.node-id: an underscore separates either two words of a name or two levels
                assertThat(isEnvSetting(SbsProperties.class, List.of(env.getName().substring(4).split("_"))))
                        .as("environment variable %s is an SbsProperties component", env.getName()).isTrue();
            }
        }
    }

    @Test
    void redisAddresses_lineUpAcrossTheDispatcherSentinelAndRedis() throws IOException {
        ConfigMap redisConfig = find(ConfigMap.class, REDIS_CONFIG).orElseThrow();
        // The ConfigMap is what runs; redis/ is what people read and edit.
        for (String file : List.of("redis.conf", "sentinel.conf")) {
            assertThat(redisConfig.getData().get(file)).as("%s in %s equals redis/%s", file, REDIS_CONFIG, file)
                    .isEqualTo(Files.readString(REDIS.resolve(file)));
        }
        Properties deployed = dispatcherProperties();
        Matcher monitor = Pattern.compile("(?m)^sentinel monitor (\\S+) (\\S+) (\\d+) (\\d+)$")
                .matcher(redisConfig.getData().get("sentinel.conf"));
        assertThat(monitor.find()).as("sentinel.conf has a monitor line").isTrue();
        assertThat(deployed.getProperty("spring.data.redis.sentinel.master")).as("the master name the dispatcher asks for")
                .isEqualTo(monitor.group(1));
        assertThat(podAddress(monitor.group(2), Integer.parseInt(monitor.group(3))))
                .as("sentinel.conf monitors a Redis pod's port").isEqualTo("redis");
        int quorum = Integer.parseInt(monitor.group(4));

        String nodes = deployed.getProperty("spring.data.redis.sentinel.nodes");
        assertThat(nodes).as("spring.data.redis.sentinel.nodes").isNotBlank();
        List<String> sentinels = List.of(nodes.split(","));
        for (String node : sentinels) {
            String[] hostPort = node.trim().split(":");
            assertThat(podAddress(hostPort[0], Integer.parseInt(hostPort[1])))
                    .as("sentinel node %s is a Sentinel pod's port", node).isEqualTo("sentinel");
        }
        assertThat(sentinels.size()).as("sentinels listed, against the quorum %s", quorum).isGreaterThan(quorum);

        // The start scripts name peers by their DNS names too; each must be a pod that exists.
        for (Map.Entry<String, String> entry : redisConfig.getData().entrySet()) {
            for (Workload w : workloads) {
                if (!(w.source().resource() instanceof StatefulSet s)) {
                    continue;
                }
                Matcher name = Pattern.compile(Pattern.quote(w.name()) + "-(\\d+)\\.([a-z0-9-]+)")
                        .matcher(entry.getValue());
                while (name.find()) {
                    assertThat(Integer.parseInt(name.group(1))).as("%s: %s is an existing ordinal", entry.getKey(),
                            name.group()).isLessThan(w.replicas());
                    assertThat(name.group(2)).as("%s: %s is under the StatefulSet's Service", entry.getKey(),
                            name.group()).isEqualTo(s.getSpec().getServiceName());
                }
            }
        }
    }

    @Test
    void dispatcher_runsTwoReplicasOnTwoNodes_andABudgetKeepsOne() {
        Workload dispatcher = workloads.stream().filter(w -> w.name().equals(DISPATCHER)).findFirst().orElseThrow();
        assertThat(dispatcher.replicas()).as("dispatcher replicas (active and standby)").isEqualTo(2);
        PodAntiAffinity anti = dispatcher.pod().getAffinity().getPodAntiAffinity();
        assertThat(anti.getRequiredDuringSchedulingIgnoredDuringExecution())
                .as("required anti-affinity per node")
                .anySatisfy(t -> assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
        List<PodDisruptionBudget> budgets = manifests.stream().map(Loaded::resource)
                .filter(PodDisruptionBudget.class::isInstance).map(PodDisruptionBudget.class::cast)
                .filter(p -> selected(p.getSpec().getSelector()).contains(dispatcher)).toList();
        assertThat(budgets).as("budgets of the dispatcher").singleElement()
                .extracting(p -> p.getSpec().getMinAvailable()).isEqualTo(new IntOrString(1));
        for (Loaded l : manifests) {
            if (l.resource() instanceof PodDisruptionBudget p) {
                int replicas = selected(p.getSpec().getSelector()).get(0).replicas();
                IntOrString min = p.getSpec().getMinAvailable();
                IntOrString max = p.getSpec().getMaxUnavailable();
                // A budget that allows no eviction at all blocks every node drain.
                if (min != null && min.getIntVal() != null) {
                    assertThat(min.getIntVal()).as("%s minAvailable below replicas", l.where()).isLessThan(replicas);
                }
                if (max != null && max.getIntVal() != null) {
                    assertThat(max.getIntVal()).as("%s maxUnavailable", l.where()).isPositive();
                }
            }
        }
    }

    // --- helpers --------------------------------------------------------------------------------------

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static <T extends HasMetadata> Optional<T> find(Class<T> kind, String name) {
        return manifests.stream().map(Loaded::resource).filter(kind::isInstance).map(kind::cast)
                .filter(r -> r.getMetadata().getName().equals(name)).findFirst();
    }

    private static List<Workload> selected(LabelSelector selector) {
        return workloads.stream().filter(w -> selects(selector, w.podLabels())).toList();
    }

    /** An empty selector would select everything; in these manifests that is always a mistake, so: none. */
    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        Map<String, String> required = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        List<LabelSelectorRequirement> expressions = orEmpty(selector.getMatchExpressions());
        if (required.isEmpty() && expressions.isEmpty()) {
            return false;
        }
        for (Map.Entry<String, String> e : required.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (LabelSelectorRequirement r : expressions) {
            String value = labels.get(r.getKey());
            boolean holds = switch (r.getOperator()) {
                case "In" -> value != null && r.getValues().contains(value);
                case "NotIn" -> value == null || !r.getValues().contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> throw new AssertionError("unknown selector operator " + r.getOperator());
            };
            if (!holds) {
                return false;
            }
        }
        return true;
    }

    private static Optional<ContainerPort> findPort(List<Container> containers, IntOrString port) {
        return containers.stream().flatMap(c -> orEmpty(c.getPorts()).stream())
                .filter(p -> port.getStrVal() != null ? port.getStrVal().equals(p.getName())
                        : port.getIntVal().equals(p.getContainerPort()))
                .findFirst();
    }

    private static String show(IntOrString value) {
        return value.getStrVal() != null ? value.getStrVal() : String.valueOf(value.getIntVal());
    }

    private static String httpPath(Probe probe) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet()).as("an HTTP probe").isNotNull();
        return probe.getHttpGet().getPath();
    }

    private static Container dispatcherContainer() {
        return workloads.stream().filter(w -> w.name().equals(DISPATCHER)).findFirst().orElseThrow()
                .pod().getContainers().stream().filter(c -> c.getName().equals(DISPATCHER_CONTAINER))
                .findFirst().orElseThrow();
    }

    private static Properties dispatcherProperties() {
        ConfigMap config = find(ConfigMap.class, DISPATCHER_CONFIG).orElseThrow();
        String text = config.getData().get("application.properties");
        assertThat(text).as("%s holds application.properties", DISPATCHER_CONFIG).isNotNull();
        return properties(text);
    }

    private static Properties properties(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return p;
    }

    /** The deployed value wins over the jar's, as SPRING_CONFIG_ADDITIONAL_LOCATION makes it. */
    private static Optional<String> setting(String key, Properties deployed, Properties app) {
        return Optional.ofNullable(deployed.getProperty(key, app.getProperty(key)));
    }

    private static Set<String> configMapKeys(String name, String where) {
        ConfigMap config = find(ConfigMap.class, name)
                .orElseThrow(() -> new AssertionError(where + " refers to ConfigMap " + name + ", not in k8s/"));
        Set<String> keys = new TreeSet<>();
        if (config.getData() != null) {
            keys.addAll(config.getData().keySet());
        }
        if (config.getBinaryData() != null) {
            keys.addAll(config.getBinaryData().keySet());
        }
        return keys;
    }

    /**
     * Secrets hold what must not be in the repository, so they are created out of band; then k8s/README.md
     * must show how, as {@code kubectl create secret generic NAME --from-literal=KEY=...}.
     */
    private static void assertSecret(String name, String key, String readme, String where) {
        Optional<Secret> defined = find(Secret.class, name);
        if (defined.isPresent()) {
            if (key != null) {
                Map<String, String> data = new HashMap<>();
                Optional.ofNullable(defined.get().getData()).ifPresent(data::putAll);
                Optional.ofNullable(defined.get().getStringData()).ifPresent(data::putAll);
                assertThat(data).as("%s: Secret %s key %s", where, name, key).containsKey(key);
            }
            return;
        }
        List<String> commands = readme.lines().filter(line -> line.contains("create secret generic " + name + " "))
                .toList();
        assertThat(commands).as("%s: Secret %s is neither in k8s/ nor created in k8s/README.md", where, name)
                .isNotEmpty();
        if (key != null) {
            assertThat(commands).as("%s: k8s/README.md creates Secret %s with key %s", where, name, key)
                    .anyMatch(line -> line.contains("--from-literal=" + key + "=")
                            || line.contains("--from-file=" + key + "="));
        }
    }

    /**
     * What a StatefulSet pod's DNS name ({@code name-ordinal.service}) and port lead to: the name of the
     * container port, or a failure naming what does not line up.
     */
    private static String podAddress(String host, int port) {
        Matcher m = Pattern.compile("(.+)-(\\d+)\\.([^.]+)").matcher(host);
        assertThat(m.matches()).as("%s is a StatefulSet pod name (name-ordinal.service)", host).isTrue();
        Workload w = workloads.stream().filter(x -> x.name().equals(m.group(1))).findFirst()
                .orElseThrow(() -> new AssertionError(host + ": no StatefulSet " + m.group(1)));
        StatefulSet set = (StatefulSet) w.source().resource();
        assertThat(m.group(3)).as("%s: the StatefulSet's Service", host).isEqualTo(set.getSpec().getServiceName());
        assertThat(Integer.parseInt(m.group(2))).as("%s: ordinal below replicas", host).isLessThan(w.replicas());
        Service service = find(Service.class, m.group(3)).orElseThrow();
        ServicePort servicePort = service.getSpec().getPorts().stream().filter(p -> p.getPort() == port).findFirst()
                .orElseThrow(() -> new AssertionError(host + ": Service " + m.group(3) + " has no port " + port));
        // A headless Service does not translate ports: the pod must listen on the very port named.
        ContainerPort container = findPort(w.pod().getContainers(),
                servicePort.getTargetPort() != null ? servicePort.getTargetPort() : new IntOrString(port))
                .orElseThrow(() -> new AssertionError(host + ":" + port + " is no container port"));
        assertThat(container.getContainerPort()).as("%s:%s is the container's port", host, port).isEqualTo(port);
        return container.getName();
    }

    /** {@code instances[0].dp-units} becomes {@code instances}, {@code [0]}, {@code dp-units}. */
    static List<String> segments(String key) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '.' || c == '[') {
                if (!current.isEmpty()) {
                    out.add(current.toString());
                    current.setLength(0);
                }
                if (c == '[') {
                    int end = key.indexOf(']', i);
                    assertThat(end).as("closing bracket in %s", key).isPositive();
                    out.add(key.substring(i, end + 1));
                    i = end;
                }
            } else {
                current.append(c);
            }
        }
        if (!current.isEmpty()) {
            out.add(current.toString());
        }
        return out;
    }

    /**
     * Whether the path names a property of the type, by Spring's relaxed binding: {@code max-queue-time},
     * {@code maxQueueTime} and {@code MAX_QUEUE_TIME} all name the component {@code maxQueueTime}.
     */
    private static final Set<String> USER_PASSWORDS = Set.of("SBS_VIEWER_PASSWORD", "SBS_OPERATOR_PASSWORD");

    /** Whether some grouping of {@code words} into names, level by level, is a setting of {@code type}. */
    static boolean isEnvSetting(Type type, List<String> words) {
        if (words.isEmpty()) {
            return isSetting(type, List.of());
        }
        for (int n = 1; n <= words.size(); n++) {
            String head = String.join("", words.subList(0, n));
            Class<?> raw = raw(type);
            if (raw.isRecord()) {
                for (RecordComponent component : raw.getRecordComponents()) {
                    if (relaxed(component.getName()).equals(relaxed(head))
                            && isEnvSetting(component.getGenericType(), words.subList(n, words.size()))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static boolean isSetting(Type type, List<String> path) {
        Class<?> raw = raw(type);
        if (path.isEmpty()) {
            return !raw.isRecord();
        }
        String head = path.get(0);
        List<String> rest = path.subList(1, path.size());
        if (Map.class.isAssignableFrom(raw)) {
            // What follows is the map's key (a model name for sbs.tokenizers), not a property name.
            return true;
        }
        if (Collection.class.isAssignableFrom(raw)) {
            return head.startsWith("[") && isSetting(typeArgument(type), rest);
        }
        if (raw.isRecord() && !head.startsWith("[")) {
            for (RecordComponent component : raw.getRecordComponents()) {
                if (relaxed(component.getName()).equals(relaxed(head))) {
                    return isSetting(component.getGenericType(), rest);
                }
            }
        }
        return false;
    }

    private static String relaxed(String name) {
        return name.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static Type typeArgument(Type type) {
        assertThat(type).as("a parameterized collection").isInstanceOf(ParameterizedType.class);
        return ((ParameterizedType) type).getActualTypeArguments()[0];
    }

    /** Walks the model's getters and reports every non-empty additionalProperties with its path. */
    private static void collectUnknownFields(Object node, String path, List<String> out) {
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectUnknownFields(item, path + "[" + i++ + "]", out);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                collectUnknownFields(e.getValue(), path + "." + e.getKey(), out);
            }
            return;
        }
        if (node == null || !node.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        Map<String, Method> getters = new LinkedHashMap<>();
        for (Method m : node.getClass().getMethods()) {
            if (m.getParameterCount() == 0 && m.getName().startsWith("get") && m.getDeclaringClass() != Object.class) {
                getters.put(m.getName(), m);
            }
        }
        for (Method getter : getters.values()) {
            Object value;
            try {
                value = getter.invoke(node);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new AssertionError(path + "." + getter.getName(), e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    out.add(path + ": unknown fields " + extra.keySet());
                }
            } else {
                collectUnknownFields(value, path + "." + getter.getName().substring(3), out);
            }
        }
    }
}
