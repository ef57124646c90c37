package dev.flowline.sampling;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A model's sampler data: time grids by name (e.g. a BOSS-optimised grid stored with the model) and learned
 * {@link BespokeSolver}s, supplied by the caller — the model registry — so that this package stays free of it. Grids
 * it returns are validated before use.
 */
@FunctionalInterface
public interface NamedSchedules {

    /** No named schedules: only {@code uniform} and {@code shifted} resolve. */
    NamedSchedules NONE = name -> Optional.empty();

    /** The grid called {@code name}, from 0 to 1, or empty when there is none. */
    Optional<double[]> find(String name);

    /** The names {@link #find} knows, for error messages; may be empty when the source cannot list them. */
    default Collection<String> names() {
        return List.of();
    }

    /** The model's learned solvers ({@code "solver": "bespoke"} chooses among them); none by default. */
    default List<BespokeSolver> bespokeSolvers() {
        return List.of();
    }

    /** This catalogue's grids with {@code solvers} as its learned solvers. */
    default NamedSchedules withBespoke(List<BespokeSolver> solvers) {
        NamedSchedules grids = this;
        List<BespokeSolver> copy = List.copyOf(solvers);
        return new NamedSchedules() {
            @Override
            public Optional<double[]> find(String name) {
                return grids.find(name);
            }

            @Override
            public Collection<String> names() {
                return grids.names();
            }

            @Override
            public List<BespokeSolver> bespokeSolvers() {
                return copy;
            }
        };
    }

    /** A fixed catalogue; the grids are copied. */
    static NamedSchedules of(Map<String, double[]> grids) {
        Map<String, double[]> copy = new TreeMap<>();
        grids.forEach((name, grid) -> copy.put(name, grid.clone()));
        return new NamedSchedules() {
            @Override
            public Optional<double[]> find(String name) {
                double[] grid = copy.get(name);
                return grid == null ? Optional.empty() : Optional.of(grid.clone());
            }

            @Override
            public Collection<String> names() {
                return List.copyOf(copy.keySet());
            }
        };
    }
}
