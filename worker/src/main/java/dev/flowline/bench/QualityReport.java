package dev.flowline.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The quality benchmark's figures, as JSON, plots and a short summary. */
public record QualityReport(String model, QualityBench.Options options, double guidanceScale, String classifier,
                            QualityBench.Point reference, List<QualityBench.Point> points, Map<Integer, double[]> bossGrids,
                            double bossSeconds, double seconds) {

    /** The fixed-step point of exactly {@link QualityBench#KEY_NFE} evaluations with the least FD, if any. */
    public QualityBench.Point bestAtKeyNfe() {
        QualityBench.Point best = null;
        for (QualityBench.Point p : points) {
            if (p.steps() > 0 && p.targetNfe() == QualityBench.KEY_NFE && (best == null || p.fd() < best.fd())) best = p;
        }
        return best;
    }

    /** The key figure: how far the best 8-evaluation sampler is from the reference (1 = as good). NaN without one. */
    public double bestFdAtKeyNfeOverReferenceFd() {
        QualityBench.Point best = bestAtKeyNfe();
        return best == null ? Double.NaN : best.fd() / reference.fd();
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
        QualityBench.Point best = bestAtKeyNfe();
        json.put("best_at_8_nfe", best == null ? null : point(best));
        json.put("best_fd_at_8_nfe", best == null ? null : best.fd());
        json.put("reference_fd", reference.fd());
        json.put("best_fd_at_8_nfe_over_reference_fd", bestFdAtKeyNfeOverReferenceFd());
        List<Object> pts = new ArrayList<>();
        for (QualityBench.Point p : points) pts.add(point(p));
        json.put("points", pts);
        Map<String, Object> boss = new LinkedHashMap<>();
        boss.put("field", "unconditional (null class)");
        boss.put("step_solver", "euler");
        boss.put("reference_trajectories", options.bossSamples());
        boss.put("seconds", bossSeconds);
        Map<String, Object> grids = new TreeMap<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
        bossGrids.forEach((steps, grid) -> grids.put(String.valueOf(steps), grid));
        boss.put("grids", grids);
        json.put("boss", boss);
        json.put("seconds", seconds);
        json.put("machine", machine);
        return json;
    }

    private static Map<String, Object> point(QualityBench.Point p) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("solver", p.solver().id());
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
        for (QualityBench.Point p : points) series.computeIfAbsent(p.solver().id() + "/" + p.schedule(), k -> new ArrayList<>()).add(p);
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
        Map<Integer, QualityBench.Point> bestPerNfe = new TreeMap<>();
        for (QualityBench.Point p : points) {
            if (p.steps() == 0) continue;
            bestPerNfe.merge(p.targetNfe(), p, (a, b) -> b.fd() < a.fd() ? b : a);
        }
        bestPerNfe.forEach((nfe, p) -> s.append(String.format("  best at NFE %3d: %-8s %-9s FD %10.4f  accuracy %.3f%n", nfe, p.solver().id(), p.schedule(), p.fd(), p.accuracy())));
        java.util.Set<Double> seen = new java.util.HashSet<>();
        for (QualityBench.Point p : points) {
            if (p.steps() == 0 && seen.add(p.rtol())) {
                s.append(String.format("  dopri5 rtol %.0e: %.1f NFE, FD %10.4f  accuracy %.3f%n", p.rtol(), p.nfe(), p.fd(), p.accuracy()));
            }
        }
        s.append(String.format("best_fd_at_8_nfe / reference_fd = %.3f%n", bestFdAtKeyNfeOverReferenceFd()));
        s.append(String.format("total %.0f s%n", seconds));
        return s.toString();
    }
}
