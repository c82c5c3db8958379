package io.sbs.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.config.BoundSettings;
import io.sbs.config.SbsProperties;
import java.util.List;
import org.junit.jupiter.api.Test;

class InstanceUrlsTest {

    private final InstanceUrls defaults = new InstanceUrls(BoundSettings.defaults().instanceNetworks());

    @Test
    void problem_plainEngineUrls_areFine() {
        assertThat(defaults.problem("http://10.0.0.11:30000")).isNull();
        assertThat(defaults.problem("https://127.0.0.1")).isNull();
        assertThat(defaults.problem("http://[::1]:8000/")).isNull();
    }

    @Test
    void problem_otherSchemesBadPortsAndCredentials_areRefused_withoutRepeatingTheUrl() {
        assertThat(defaults.problem("file:///etc/passwd")).contains("http or https");
        assertThat(defaults.problem("gopher://10.0.0.1:70")).contains("http or https");
        assertThat(defaults.problem("http://10.0.0.1:0")).contains("port");
        assertThat(defaults.problem("http://10.0.0.1:99999")).contains("port");
        assertThat(defaults.problem("http://10.0.0.1:99999999999")).contains("port");
        assertThat(defaults.problem("http://admin:hunter2@10.0.0.1:8000")).contains("user name or password")
                .doesNotContain("hunter2");
        assertThat(defaults.problem("not a url")).isNotNull();
    }

    @Test
    void problem_linkLocalMetadataAddresses_areDeniedByDefault() {
        assertThat(defaults.problem("http://169.254.169.254/latest/meta-data")).contains("denied network");
        assertThat(defaults.problem("http://[fe80::1]:8000")).contains("denied network");
        assertThat(defaults.problem("http://[::ffff:169.254.169.254]:80")).contains("denied network");
    }

    @Test
    void problem_withAnAllowList_onlyItsNetworksPass_andDenyWins() {
        InstanceUrls urls = new InstanceUrls(new SbsProperties.InstanceNetworks(List.of("10.0.0.0/8"),
                List.of("10.9.0.0/16")));
        assertThat(urls.problem("http://10.1.2.3:30000")).isNull();
        assertThat(urls.problem("http://192.168.1.2:30000")).contains("outside the allowed networks");
        assertThat(urls.problem("http://10.9.1.1:30000")).contains("denied network");
    }

    @Test
    void networks_notInCidrNotation_stopTheStartNamingTheProperty() {
        assertThatThrownBy(() -> new InstanceUrls(new SbsProperties.InstanceNetworks(List.of("example.com/8"), List.of())))
                .hasMessageContaining("sbs.instance-networks.allow");
        assertThatThrownBy(() -> new InstanceUrls(new SbsProperties.InstanceNetworks(List.of(), List.of("10.0.0.0/33"))))
                .hasMessageContaining("sbs.instance-networks.deny");
    }
}
