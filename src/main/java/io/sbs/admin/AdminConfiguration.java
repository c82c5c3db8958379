package io.sbs.admin;

import io.sbs.cluster.EngineCluster;
import io.sbs.config.SbsProperties;
import io.sbs.core.PolicySettings;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.Leadership;
import io.sbs.state.StateShutdown;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.NumberSchema;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.util.List;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/** The admin API's services and its OpenAPI description. */
@Configuration(proxyBeanMethods = false)
class AdminConfiguration {

    /** Follows the operators' stored instance changes at the policy's pace ({@code sbs.state.policy-sync}). */
    @Bean(destroyMethod = "close")
    InstanceService instanceService(EngineCluster engines, DispatchLoop loop, Leadership leadership,
            ClusterStateStore store, SbsProperties properties) {
        return new InstanceService(engines, loop, leadership, store, properties.state().policySync()).start();
    }

    /** The instance sync ends with the other readers of the shared state, before the Redis connection closes. */
    @Bean
    StateShutdown instanceSyncShutdown(InstanceService instances) {
        return new StateShutdown(StateShutdown.READERS, List.of(instances));
    }

    @Bean
    OpenAPI adminOpenApi() {
        return new OpenAPI()
                .info(new Info().title("SBS admin API").version("v1").description("Cluster and DP-unit state, "
                        + "leadership, the versioned and audited scheduling policy, instances, and the scheduling "
                        + "interval of the Staggered Batch Scheduling dispatcher. Reads need the VIEWER or OPERATOR "
                        + "role, changes OPERATOR. Errors are RFC 9457 problem details. See docs/api.md."))
                .servers(List.of(new Server().url("/").description("this dispatcher")))
                .components(new Components()
                        .addSecuritySchemes("basic", new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("basic"))
                        .addSecuritySchemes("bearer", new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("an API token (sbs.security.api-tokens)")))
                .security(List.of(new SecurityRequirement().addList("basic"), new SecurityRequirement().addList("bearer")));
    }

    /** The {@code Policy} schema, from the same table that reads and writes the JSON. */
    @Bean
    OpenApiCustomizer policySchema() {
        return api -> {
            ObjectSchema policy = new ObjectSchema();
            policy.setDescription("A scheduling policy: the strategy's name and its settings. Durations are ISO-8601 "
                    + "strings (\"PT0.05S\" is 50 ms). Unknown fields are refused (422).");
            policy.setAdditionalProperties(false);
            for (PolicySettings.Setting f : PolicySettings.ALL) {
                Schema<?> s = switch (f.kind()) {
                    case TEXT -> new StringSchema();
                    case DURATION -> new StringSchema().format("duration").example("PT0.05S");
                    case INTEGER -> new IntegerSchema();
                    case NUMBER -> new NumberSchema();
                };
                policy.addProperty(f.name(), s.description(f.description()));
            }
            api.getComponents().addSchemas("Policy", policy);
        };
    }

    /**
     * The answers every operation of a kind shares, so each controller documents only its own: every error
     * is a problem detail with the {@code Problem} schema; every operation may be refused by the security
     * filters (401, 403); one with a body, for a body that is not JSON (400) or not valid (422); a change,
     * by a standby (409); one that reads {@code If-Match}, for a stale version (412).
     */
    @Bean
    OpenApiCustomizer problemResponses() {
        return api -> {
            ObjectSchema problem = new ObjectSchema();
            problem.setDescription("RFC 9457 problem detail");
            problem.addProperty("type", new StringSchema().format("uri"));
            problem.addProperty("title", new StringSchema());
            problem.addProperty("status", new IntegerSchema());
            problem.addProperty("detail", new StringSchema());
            problem.addProperty("instance", new StringSchema().format("uri"));
            problem.addProperty("errors", new ObjectSchema().additionalProperties(new StringSchema())
                    .description("422: the reason for each invalid field"));
            problem.addProperty("leaderId", new StringSchema().description("409 from a standby: the leader's node id"));
            problem.addProperty("nodeId", new StringSchema().description("409 from a standby: this node's id"));
            problem.addProperty("epoch", new IntegerSchema().format("int64")
                    .description("409 from a standby: the leader epoch"));
            problem.addProperty("currentVersion", new IntegerSchema().format("int64")
                    .description("412: the policy's current version"));
            api.getComponents().addSchemas("Problem", problem);
            Content problemContent = new Content().addMediaType(MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                    new io.swagger.v3.oas.models.media.MediaType().schema(new Schema<>().$ref("#/components/schemas/Problem")));
            api.getPaths().values().forEach(path -> path.readOperationsMap().forEach((method, op) -> {
                if (op.getRequestBody() != null) {
                    op.getResponses().putIfAbsent("400", new ApiResponse().description("the body is missing or not JSON"));
                    op.getResponses().putIfAbsent("422", new ApiResponse()
                            .description("unknown fields or invalid values, each named in errors"));
                }
                // the preview changes nothing, so a standby runs it too
                if (method != PathItem.HttpMethod.GET && !"preview".equals(op.getOperationId())) {
                    op.getResponses().putIfAbsent("409", new ApiResponse()
                            .description("this node is a standby; the problem names the leader (leaderId, epoch)"));
                }
                if (op.getParameters() != null && op.getParameters().stream()
                        .anyMatch(p -> HttpHeaders.IF_MATCH.equalsIgnoreCase(p.getName()))) {
                    op.getResponses().putIfAbsent("412", new ApiResponse().description("If-Match names an older version"));
                }
                op.getResponses().putIfAbsent("401", new ApiResponse().description("no valid credentials"));
                op.getResponses().putIfAbsent("403", new ApiResponse().description(
                        method == PathItem.HttpMethod.GET ? "a role that may not read (ENGINE)" : "a role that may not change (VIEWER, ENGINE)"));
                op.getResponses().forEach((code, response) -> {
                    if (code.startsWith("4")) {
                        response.setContent(problemContent);
                    }
                });
            }));
        };
    }
}
