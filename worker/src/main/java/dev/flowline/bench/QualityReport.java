package dev.flowline.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The quality benchmark's figures, as JSON, plots and a short summary.
 *
 * @param dataFloor FD of as many real images as samples per point (null when no images were given)
 * @param baseline  another model's reference point on the same settings (null when none was given)
 */
public record QualityReport(String model, QualityBench.Options options, double guidanceScale, String classifier,
                            QualityBench.Point reference, List<QualityBench.Point> points, Double dataFloor,
                            QualityBench.Point baseline, double seconds) {

    /** The fixed-step point of exactly {@code nfe} evaluations with the least FD, if any. */
    public QualityBench.Point bestAt(int nfe) {
        QualityBench.Point best = null;
        for (QualityBench.Point p : points) {
            if (p.steps() > 0 && p.targetNfe() == nfe && (best == null || p.fd() < best.fd())) best = p;
        }
        return best;
    }

    public QualityBench.Point bestAtKeyNfe() {
        return bestAt(QualityBench.KEY_NFE);
    }

    /** How far the best {@code nfe}-evaluation sampler is from the reference (1 = as good); NaN without one. */
    public double bestFdOverReferenceFd(int nfe) {
        QualityBench.Point best = bestAt(nfe);
        return best == null ? Double.NaN : best.fd() / reference.fd();
    }

    /** The key figure: the best 8-evaluation sampler against the reference. */
    public double bestFdAtKeyNfeOverReferenceFd() {
        return bestFdOverReferenceFd(QualityBench.KEY_NFE);
    }

    /**
     * Per fixed-step solver (by the name of what ran), its best FD at exactly 8 evaluations over the schedules swept
     * (a solver is served with the grid the model ships for it).
     */
    public Map<String, QualityBench.Point> bestPerSolverAtKeyNfe() {
        Map<String, QualityBench.Point> best = new TreeMap<>();
        for (QualityBench.Point p : points) {
            if (p.steps() > 0 && p.targetNfe() == QualityBench.KEY_NFE) best.merge(p.name(), p, (a, b) -> b.fd() < a.fd() ? b : a);
        }
        return best;
    }

    /** The worst of {@link #bestPerSolverAtKeyNfe()} against the reference: does any solver collapse at 8 NFE? */
    public double worstSolverFdAtKeyNfeOverReferenceFd() {
        return bestPerSolverAtKeyNfe().values().stream().mapToDouble(QualityBench.Point::fd).max().orElse(Double.NaN) / reference.fd();
    }

    public Map<String, Object> toJson(Map<String, Object> machine) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model);
        json.put("samples_per_point", options.samplesPerPoint());
        json.put("guidance_scale", guidanceScale);
        json.put("classifier", classifier);
        json.put("seed", options.seed());
        json.put("shift", options.shift());
        Map<String, Object> ref = point(reference);
        ref.put("rtol", options.referenceRtol());
        json.put("reference", ref);
        json.put("reference_fd", reference.fd());
        json.put("reference_class_accuracy", reference.accuracy());
        json.put("data_floor_fd", dataFloor);
        if (baseline != null) {
            json.put("baseline", point(baseline));
            json.put("baseline_reference_fd", baseline.fd());
            json.put("reference_fd_over_baseline_reference_fd", reference.fd() / baseline.fd());
        }
        QualityBench.Point best = bestAtKeyNfe();
        json.put("best_at_8_nfe", best == null ? null : point(best));
        json.put("best_fd_at_8_nfe", best == null ? null : best.fd());
        for (int nfe : new int[] {8, 4, 2, 1}) {
            QualityBench.Point b = bestAt(nfe);
            json.put("best_fd_at_" + nfe + "_nfe_over_reference_fd", b == null ? null : b.fd() / reference.fd());
            json.put("best_solver_at_" + nfe + "_nfe", b == null ? null : b.name() + " " + b.schedule());
        }
        Map<String, Object> perSolver = new LinkedHashMap<>();
        bestPerSolverAtKeyNfe().forEach((name, p) -> perSolver.put(name, Map.of("schedule", p.schedule(), "fd", p.fd(),
                "fd_over_reference_fd", p.fd() / reference.fd(), "accuracy", p.accuracy())));
        json.put("best_per_solver_at_8_nfe", perSolver);
        double worst = worstSolverFdAtKeyNfeOverReferenceFd();
        json.put("worst_solver_fd_at_8_nfe_over_reference_fd", Double.isNaN(worst) ? null : worst);
        List<Object> pts = new ArrayList<>();
        for (QualityBench.Point p : points) pts.add(point(p));
        json.put("points", pts);
        json.put("seconds", seconds);
        json.put("machine", machine);
        return json;
    }

    private static Map<String, Object> point(QualityBench.Point p) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("solver", p.name());
        j.put("model", p.model());
        j.put("schedule", p.schedule());
        j.put("target_nfe", p.targetNfe());
        j.put("nfe", p.nfe());
        j.put("steps", p.steps());
        if (p.steps() == 0) j.put("rtol", p.rtol());
        j.put("fd", p.fd());
        j.put("accuracy", p.accuracy());
        if (p.stoppedEarly() > 0) j.put("stopped_early", p.stoppedEarly());
        j.put("rows", p.rows());
        j.put("seconds", p.seconds());
        return j;
    }

    /** Writes {@code quality-fd.png} and {@code quality-accuracy.png} into {@code dir}. */
    public List<Path> writePlots(Path dir) throws IOException {
        Map<String, List<QualityBench.Point>> series = new LinkedHashMap<>();
        for (QualityBench.Point p : points) {
            String key = p.schedule().equals("learned") ? "bespoke (" + p.model() + ")" : p.name() + "/" + p.schedule();
            series.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
        }
        List<Charts.Series> fd = new ArrayList<>(), acc = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (var e : series.entrySet()) {
            // dopri5 points of different budgets may share a tolerance: plot each achieved NFE once.
            Map<Double, QualityBench.Point> byNfe = new TreeMap<>();
            for (QualityBench.Point p : e.getValue()) byNfe.putIfAbsent(p.nfe(), p);
            List<Double> x = new ArrayList<>(byNfe.keySet());
            List<Double> yFd = new ArrayList<>(), yAcc = new ArrayList<>();
            for (QualityBench.Point p : byNfe.values()) {
                yFd.add(Math.max(p.fd(), 1e-6));
                yAcc.add(Double.isNaN(p.accuracy()) ? 0.0 : p.accuracy());
            }
            fd.add(new Charts.Series(e.getKey(), x, yFd));
            acc.add(new Charts.Series(e.getKey(), x, yAcc));
            lo = Math.min(lo, x.getFirst());
            hi = Math.max(hi, x.getLast());
        }
        if (lo > hi) {
            lo = 1;
            hi = Math.max(2, reference.nfe());
        }
        List<Double> span = List.of(lo, hi);
        String refName = String.format("reference dopri5 rtol %.0e (%.0f NFE)", options.referenceRtol(), reference.nfe());
        fd.add(new Charts.Series(refName, span, List.of(Math.max(reference.fd(), 1e-6), Math.max(reference.fd(), 1e-6))));
        acc.add(new Charts.Series(refName, span, List.of(reference.accuracy(), reference.accuracy())));
        if (dataFloor != null) {
            fd.add(new Charts.Series(String.format("data floor (%d real images)", options.samplesPerPoint()), span,
                    List.of(Math.max(dataFloor, 1e-6), Math.max(dataFloor, 1e-6))));
        }
        String what = String.format("%s, n = %d, w = %.2g", model, options.samplesPerPoint(), guidanceScale);
        return List.of(
                Charts.line(dir.resolve("quality-fd.png"), "FD vs NFE (" + what + ")", "NFE per sample (log)",
                        "Fréchet distance (log)", true, true, fd),
                Charts.line(dir.resolve("quality-accuracy.png"), "Accuracy vs NFE (" + what + ")", "NFE per sample (log)",
                        "accuracy", true, false, acc));
    }

    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("model %s, %d samples per point, guidance %.2f, %s%n", model, options.samplesPerPoint(), guidanceScale, classifier));
        s.append(String.format("reference dopri5 rtol %.0e: FD %.4f, accuracy %.3f, %.1f NFE%n", options.referenceRtol(), reference.fd(), reference.accuracy(), reference.nfe()));
        if (dataFloor != null) s.append(String.format("data floor (%d real images): FD %.4f%n", options.samplesPerPoint(), dataFloor));
        if (baseline != null) s.append(String.format("baseline %s, same reference sampler: FD %.4f, accuracy %.3f (reference / baseline = %.3f)%n",
                baseline.model(), baseline.fd(), baseline.accuracy(), reference.fd() / baseline.fd()));
        Map<Integer, QualityBench.Point> bestPerNfe = new TreeMap<>();
        for (QualityBench.Point p : points) {
            if (p.steps() == 0) continue;
            bestPerNfe.merge(p.targetNfe(), p, (a, b) -> b.fd() < a.fd() ? b : a);
        }
        bestPerNfe.forEach((nfe, p) -> s.append(String.format("  best at NFE %3d: %-20s %-9s FD %10.4f (%.3fx reference)  accuracy %.3f%n", nfe, p.name(), p.schedule(), p.fd(), p.fd() / reference.fd(), p.accuracy())));
        java.util.Set<Double> seen = new java.util.HashSet<>();
        for (QualityBench.Point p : points) {
            if (p.steps() == 0 && seen.add(p.rtol())) {
                s.append(String.format("  dopri5 rtol %.0e: %.1f NFE, FD %10.4f  accuracy %.3f%n", p.rtol(), p.nfe(), p.fd(), p.accuracy()));
            }
        }
        s.append(String.format("best_fd_at_8_nfe / reference_fd = %.3f; worst solver at 8 NFE (its best schedule) / reference_fd = %.3f%n",
                bestFdAtKeyNfeOverReferenceFd(), worstSolverFdAtKeyNfeOverReferenceFd()));
        s.append(String.format("total %.0f s%n", seconds));
        return s.toString();
    }
}
