package io.sbs.cluster;

import io.sbs.config.SbsProperties;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Which URLs may name an engine instance, configured ({@code sbs.instances}) or registered over the admin
 * API: {@code http} or {@code https}, a host, a port from 1 to 65535 when one is given, no user name or
 * password (they would be logged and shown with the instance), and a host whose addresses all lie outside
 * the denied networks and, with an allow-list, inside it ({@link SbsProperties.InstanceNetworks}). By
 * default only the link-local ranges are denied, where cloud metadata services answer, so an operator's
 * mistyped or malicious registration cannot turn the dispatcher's engine calls against them.
 *
 * <p>A host name is resolved when checked; one that does not resolve is let through (an engine's Service
 * may not exist yet), and a name is not checked again when it later resolves elsewhere. Against such
 * names, limit the dispatcher's egress with a network policy as well.
 */
public final class InstanceUrls {

    /** A network in CIDR notation. */
    private record Network(byte[] address, int prefix) {

        static Network parse(String cidr, String property) {
            int slash = cidr.indexOf('/');
            try {
                // a literal address only: getByName resolves no name when given one
                String host = slash < 0 ? cidr : cidr.substring(0, slash);
                if (!host.matches("[0-9a-fA-F:.]+")) {
                    throw new IllegalArgumentException(property + ": '" + cidr + "' is not an address/prefix");
                }
                byte[] address = InetAddress.getByName(host).getAddress();
                int prefix = slash < 0 ? address.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
                if (prefix < 0 || prefix > address.length * 8) {
                    throw new IllegalArgumentException(property + ": '" + cidr + "' has a prefix out of range");
                }
                return new Network(address, prefix);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException(property + ": '" + cidr + "' is not an address/prefix", e);
            }
        }

        boolean contains(InetAddress candidate) {
            byte[] a = candidate.getAddress();
            if (a.length != address.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != address[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            int mask = rest == 0 ? 0 : (0xff << (8 - rest)) & 0xff;
            return rest == 0 || (a[full] & mask) == (address[full] & mask);
        }
    }

    private final List<Network> allow;
    private final List<Network> deny;

    InstanceUrls(SbsProperties.InstanceNetworks networks) {
        this.allow = networks.allow().stream().map(c -> Network.parse(c, "sbs.instance-networks.allow")).toList();
        this.deny = networks.deny().stream().map(c -> Network.parse(c, "sbs.instance-networks.deny")).toList();
    }

    /**
     * Why {@code url} may not name an engine; null when it may. The reason never repeats the URL, which may
     * hold a password.
     */
    public @Nullable String problem(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            return "must be an absolute http or https URL";
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme())) {
            return "must be an absolute http or https URL";
        }
        if (u.getRawUserInfo() != null) {
            return "must not carry a user name or password";
        }
        String host = u.getHost();
        if (host == null || host.isEmpty()) {
            return "must name a host (and, if any, a port from 1 to 65535)";
        }
        if (u.getPort() == 0 || u.getPort() > 65_535) {
            return "must have a port from 1 to 65535";
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return null;
        }
        for (InetAddress a : addresses) {
            if (deny.stream().anyMatch(n -> n.contains(a))) {
                return "names a host in a denied network (sbs.instance-networks.deny)";
            }
            if (!allow.isEmpty() && allow.stream().noneMatch(n -> n.contains(a))) {
                return "names a host outside the allowed networks (sbs.instance-networks.allow)";
            }
        }
        return null;
    }
}
