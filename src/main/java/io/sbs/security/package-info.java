/**
 * Who may do what over HTTP. Three roles ({@link io.sbs.security.Roles}): {@code VIEWER} reads the admin
 * API and the dashboard, {@code OPERATOR} changes things, {@code ENGINE} pushes EndForward. Three filter
 * chains, so each surface gets the mechanism that suits it: the inference ingress stays open (clients
 * authenticate at their gateway); the admin API, the engine push and Actuator are stateless (basic or
 * bearer on every request, 401/403 as problem details, no session and so no CSRF); the dashboard uses
 * form login with a session and CSRF tokens. Users come from configuration, or, in the embedded default,
 * a viewer and an operator with passwords from the environment or generated at start. Password logins
 * are throttled per user and per address, and unknown names cost a password check like known ones.
 */
@NullMarked
package io.sbs.security;

import org.jspecify.annotations.NullMarked;
