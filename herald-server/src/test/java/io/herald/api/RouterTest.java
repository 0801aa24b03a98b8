package io.herald.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.api.Router.Access;
import org.junit.jupiter.api.Test;

/** Who may call a route when the route does not say: closed to application tokens unless it names one. */
class RouterTest {
    private static final Router.Handler NOTHING = c -> Reply.noContent();

    @Test
    void add_withoutAccess_opensRoutesNamingAnApplicationToItsTokens_andKeepsTheRestForAdmins() {
        Router r = new Router()
                .add("GET", "/api/v1/app/{app_id}/thing", NOTHING)
                .add("GET", "/api/v1/global-thing/{id}", NOTHING);

        assertThat(r.find("GET", "/api/v1/app/acme/thing").access()).isEqualTo(Access.APPLICATION);
        assertThat(r.find("GET", "/api/v1/global-thing/1").access()).isEqualTo(Access.ADMIN);
        assertThat(r.routes()).extracting(Router.Route::pattern)
                .containsExactly("/api/v1/app/{app_id}/thing", "/api/v1/global-thing/{id}");
    }

    @Test
    void add_applicationAccessOnAPathWithoutAnApplication_isRefused() {
        assertThatThrownBy(() -> new Router().add("GET", "/api/v1/things", Access.APPLICATION, NOTHING))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{app_id}");
    }

    @Test
    void find_decodesPathParameters() {
        Router r = new Router().add("GET", "/api/v1/app/{app_id}", NOTHING);

        assertThat(r.find("GET", "/api/v1/app/a%2Eb").params()).containsEntry("app_id", "a.b");
    }

    @Test
    void isPublic_holdsForThePathsOfPublicRoutesOnly_whateverTheMethod() {
        Router r = new Router().add("GET", "/api/v1/health", Access.PUBLIC, NOTHING).add("GET", "/api/v1/app", NOTHING);

        assertThat(r.isPublic("/api/v1/health")).isTrue();
        assertThat(r.isPublic("/api/v1/app")).isFalse();
        assertThat(r.isPublic("/api/v1/nothing")).isFalse();
    }
}
