package io.sbs.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The embedded default (in-memory state, simulated cluster, no demo load) with known credentials for
 * every role, on a random port. Every test class that uses it shares one application context.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "sbs.embedded.demo-qps=0",
    "SBS_VIEWER_PASSWORD=" + SecuredPlatform.VIEWER_PASSWORD,
    "SBS_OPERATOR_PASSWORD=" + SecuredPlatform.OPERATOR_PASSWORD,
    "sbs.engine-token=" + SecuredPlatform.ENGINE_TOKEN,
    "sbs.security.api-tokens[0].name=ci-reader",
    "sbs.security.api-tokens[0].token=" + SecuredPlatform.VIEWER_API_TOKEN,
    "sbs.security.api-tokens[0].roles=VIEWER"})
public @interface SecuredPlatform {

    String VIEWER_PASSWORD = "viewer-test-password";
    String OPERATOR_PASSWORD = "operator-test-password";
    String ENGINE_TOKEN = "engine-test-token";
    String VIEWER_API_TOKEN = "viewer-api-token-0123456789";
}
