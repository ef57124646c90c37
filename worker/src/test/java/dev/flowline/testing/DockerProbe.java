package dev.flowline.testing;

/** Asks Testcontainers whether a Docker engine answers; false when Testcontainers is missing or anything fails. */
final class DockerProbe {
    private DockerProbe() {}

    static boolean dockerAvailable() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }
}
