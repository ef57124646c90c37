package dev.flowline.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The solvers benchmark's figures, as JSON, plots and a short summary. */
public record SolversReport(String model, SolversBench.Options options, List<SolversBench.SolverResult> solvers,
                            List<SolversBench.TolerancePoint> dopri5, double seconds) {

    public Map<String, Object> toJson(Map<String, Object> machine) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model);
        json.put("samples", options.samples());
        json.put("error", "RMS over samples and coordinates of x(1) minus the exact solution");
        json.put("std", options.std());
        json.put("fit", "least squares on the " + SolversBench.FIT_POINTS + " finest points with RMS error above " + SolversBench.FIT_FLOOR);
        Map<String, Object> s = new LinkedHashMap<>();
        for (SolversBench.SolverResult r : solvers) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("theoretical_order", r.theoreticalOrder());
            j.put("fitted_order", r.fittedOrder());
            j.put("fit_points", r.fitPoints());
            List<Object> pts = new ArrayList<>();
            SolversBench.ErrorPoint previous = null;
            for (SolversBench.ErrorPoint p : r.points()) {
                Map<String, Object> pj = new LinkedHashMap<>();
                pj.put("steps", p.steps());
                pj.put("nfe", p.nfe());
                pj.put("rms_error", p.rmsError());
                pj.put("max_error", p.maxError());
                // The slope from the previous (coarser) point: where it settles is the asymptotic range.
                if (previous != null) pj.put("local_order", -Math.log(p.rmsError() / previous.rmsError()) / Math.log(p.nfe() / previous.nfe()));
                pts.add(pj);
                previous = p;
            }
            j.put("points", pts);
            s.put(r.solver().id(), j);
        }
        json.put("solvers", s);
        List<Object> tol = new ArrayList<>();
        for (SolversBench.TolerancePoint t : dopri5) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("rtol", t.rtol());
            j.put("atol", t.rtol());
            j.put("mean_nfe", t.meanNfe());
            j.put("max_nfe", t.maxNfe());
            j.put("rms_error", t.rmsError());
            j.put("max_error", t.maxError());
            tol.add(j);
        }
        json.put("dopri5", tol);
        json.put("seconds", seconds);
        json.put("machine", machine);
        return json;
    }

    /** Writes {@code solvers-error.png} (error vs NFE) and {@code solvers-dopri5.png} (NFE vs tolerance). */
    public List<Path> writePlots(Path dir) throws IOException {
        List<Charts.Series> error = new ArrayList<>();
        for (SolversBench.SolverResult r : solvers) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (SolversBench.ErrorPoint p : r.points()) {
                x.add(p.nfe());
                y.add(Math.max(p.rmsError(), 1e-12));
            }
            error.add(new Charts.Series(String.format("%s (order %.2f, theory %d)", r.solver().id(), r.fittedOrder(), r.theoreticalOrder()), x, y));
        }
        List<Double> x = new ArrayList<>(), y = new ArrayList<>(), tol = new ArrayList<>();
        for (SolversBench.TolerancePoint t : dopri5) {
            x.add(t.meanNfe());
            tol.add(t.rtol());
        }
        List<SolversBench.TolerancePoint> byNfe = new ArrayList<>(dopri5);
        byNfe.sort(java.util.Comparator.comparingDouble(SolversBench.TolerancePoint::meanNfe));
        List<Double> nfe = new ArrayList<>();
        for (SolversBench.TolerancePoint t : byNfe) {
            nfe.add(t.meanNfe());
            y.add(Math.max(t.rmsError(), 1e-12));
        }
        error.add(new Charts.Series("dopri5 (tolerance sweep)", nfe, y));
        Path e = Charts.line(dir.resolve("solvers-error.png"), "Error at t = 1 vs NFE (" + model + ")", "NFE per sample (log)",
                "RMS error (log)", true, true, error);
        Path d = Charts.line(dir.resolve("solvers-dopri5.png"), "dopri5: evaluations vs tolerance (" + model + ")",
                "rtol = atol (log)", "mean NFE per sample (log)", true, true, List.of(new Charts.Series("dopri5", tol, x)));
        return List.of(e, d);
    }

    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("model %s, %d samples per point%n", model, options.samples()));
        for (SolversBench.SolverResult r : solvers) {
            s.append(String.format("  %-9s order %5.2f (theory %d, fitted on %d points)%n", r.solver().id(), r.fittedOrder(), r.theoreticalOrder(), r.fitPoints()));
        }
        for (SolversBench.TolerancePoint t : dopri5) {
            s.append(String.format("  dopri5 rtol %.0e: %6.1f NFE, RMS error %.2e%n", t.rtol(), t.meanNfe(), t.rmsError()));
        }
        return s.toString();
    }
}
