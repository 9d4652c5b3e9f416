/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A small SVG chart (lines or grouped/stacked bars) with axes, ticks and a legend. */
final class Chart {

  static final int W = 720;
  static final int H = 420;
  static final int LEFT = 70;
  static final int RIGHT = 20;
  static final int TOP = 60;
  static final int BOTTOM = 80;

  private record Line(String name, String colour, boolean dashed, List<double[]> points) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Line> lines = new ArrayList<>();
  private String note = "";
  boolean logX;
  boolean markers;
  boolean stacked;

  Chart(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  void note(String n) {
    this.note = n;
  }

  void line(String name, String colour, boolean dashed, List<double[]> points) {
    if (!points.isEmpty()) {
      lines.add(new Line(name, colour, dashed, points));
    }
  }

  /** The line chart of every {@link #line}. */
  String lines() {
    double x0 = Double.MAX_VALUE;
    double x1 = -Double.MAX_VALUE;
    double y1 = 0;
    for (Line l : lines) {
      for (double[] p : l.points) {
        x0 = Math.min(x0, fx(p[0]));
        x1 = Math.max(x1, fx(p[0]));
        y1 = Math.max(y1, p[1]);
      }
    }
    if (lines.isEmpty()) {
      x0 = 0;
      x1 = 1;
    }
    if (!logX) {
      x0 = Math.min(0, x0);
      x1 = nice(x1);
    } else {
      x0 = Math.floor(x0);
      x1 = Math.ceil(x1);
    }
    if (x1 <= x0) {
      x1 = x0 + 1;
    }
    y1 = nice(y1);
    StringBuilder s = head();
    axes(s, x0, x1, 0, y1);
    int i = 0;
    for (Line l : lines) {
      StringBuilder d = new StringBuilder();
      for (double[] p : l.points) {
        d.append(d.length() == 0 ? "M" : " L")
            .append(f(px(fx(p[0]), x0, x1)))
            .append(',')
            .append(f(py(p[1], 0, y1)));
      }
      s.append("<path d=\"")
          .append(d)
          .append("\" fill=\"none\" stroke=\"")
          .append(l.colour)
          .append("\" stroke-width=\"2\"")
          .append(l.dashed ? " stroke-dasharray=\"6 4\"" : "")
          .append("/>\n");
      if (markers || l.points.size() <= 6) {
        for (double[] p : l.points) {
          s.append("<circle cx=\"")
              .append(f(px(fx(p[0]), x0, x1)))
              .append("\" cy=\"")
              .append(f(py(p[1], 0, y1)))
              .append("\" r=\"3\" fill=\"")
              .append(l.colour)
              .append("\"/>\n");
        }
      }
      legend(s, i++, l.name, l.colour, l.dashed);
    }
    return s.append("</svg>\n").toString();
  }

  /** Bars: a group per row, a bar (or a stacked segment) per series. */
  String bars(Map<String, double[]> rows, List<String> series, List<String> colours) {
    double y1 = 0;
    for (double[] v : rows.values()) {
      double sum = 0;
      for (double x : v) {
        y1 = Math.max(y1, x);
        sum += x;
      }
      if (stacked) {
        y1 = Math.max(y1, sum);
      }
    }
    y1 = nice(y1);
    StringBuilder s = head();
    axes(s, Double.NaN, Double.NaN, 0, y1);
    double groupW = (W - LEFT - RIGHT) / (double) Math.max(1, rows.size());
    int g = 0;
    for (Map.Entry<String, double[]> row : rows.entrySet()) {
      double gx = LEFT + g * groupW;
      double[] v = row.getValue();
      double barW = stacked ? groupW * 0.5 : groupW * 0.7 / v.length;
      double base = 0;
      for (int i = 0; i < v.length; i++) {
        double x = stacked ? gx + groupW * 0.25 : gx + groupW * 0.15 + i * barW;
        double top = stacked ? base + v[i] : v[i];
        double yTop = py(top, 0, y1);
        double yBottom = py(stacked ? base : 0, 0, y1);
        s.append("<rect x=\"")
            .append(f(x))
            .append("\" y=\"")
            .append(f(yTop))
            .append("\" width=\"")
            .append(f(barW - 2))
            .append("\" height=\"")
            .append(f(Math.max(0, yBottom - yTop)))
            .append("\" fill=\"")
            .append(colours.get(i))
            .append("\"><title>")
            .append(esc(series.get(i) + ": " + num(v[i])))
            .append("</title></rect>\n");
        if (!stacked) {
          text(s, x + (barW - 2) / 2, yTop - 4, 11, "middle", num(v[i]));
        }
        base = top;
      }
      text(s, gx + groupW / 2, H - BOTTOM + 18, 12, "middle", row.getKey());
      g++;
    }
    for (int i = 0; i < series.size(); i++) {
      legend(s, i, series.get(i), colours.get(i), false);
    }
    return s.append("</svg>\n").toString();
  }

  private StringBuilder head() {
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(H)
        .append("\" viewBox=\"0 0 ")
        .append(W)
        .append(' ')
        .append(H)
        .append("\" font-family=\"sans-serif\">\n")
        .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    text(s, W / 2.0, 24, 15, "middle", title);
    text(s, W / 2.0, 44, 11, "middle", note);
    return s;
  }

  /** Axes with ticks; x ticks only when x0/x1 are numbers (bars have category labels). */
  private void axes(StringBuilder s, double x0, double x1, double y0, double y1) {
    int bottom = H - BOTTOM;
    s.append("<g stroke=\"#333\" stroke-width=\"1\">")
        .append(
            "<line x1=\""
                + LEFT
                + "\" y1=\""
                + bottom
                + "\" x2=\""
                + (W - RIGHT)
                + "\" y2=\""
                + bottom
                + "\"/>")
        .append(
            "<line x1=\""
                + LEFT
                + "\" y1=\""
                + TOP
                + "\" x2=\""
                + LEFT
                + "\" y2=\""
                + bottom
                + "\"/>")
        .append("</g>\n");
    for (int i = 0; i <= 5; i++) {
      double v = y0 + (y1 - y0) * i / 5;
      double y = py(v, y0, y1);
      s.append(
          "<line x1=\""
              + LEFT
              + "\" y1=\""
              + f(y)
              + "\" x2=\""
              + (W - RIGHT)
              + "\" y2=\""
              + f(y)
              + "\" stroke=\"#ddd\"/>\n");
      text(s, LEFT - 6, y + 4, 11, "end", num(v));
    }
    if (!Double.isNaN(x0)) {
      int ticks = logX ? (int) Math.round(x1 - x0) : 5;
      for (int i = 0; i <= ticks; i++) {
        double v = x0 + (x1 - x0) * i / ticks;
        double x = px(v, x0, x1);
        s.append(
            "<line x1=\""
                + f(x)
                + "\" y1=\""
                + bottom
                + "\" x2=\""
                + f(x)
                + "\" y2=\""
                + (bottom + 5)
                + "\" stroke=\"#333\"/>\n");
        text(s, x, bottom + 18, 11, "middle", num(logX ? Math.pow(10, v) : v));
      }
    }
    text(s, (LEFT + W - RIGHT) / 2.0, H - BOTTOM + 40, 12, "middle", xLabel);
    s.append(
            "<text x=\"16\" y=\""
                + f((TOP + bottom) / 2.0)
                + "\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
                + f((TOP + bottom) / 2.0)
                + ")\">")
        .append(esc(yLabel))
        .append("</text>\n");
  }

  private void legend(StringBuilder s, int i, String name, String colour, boolean dashed) {
    double x = LEFT + (i % 3) * 215;
    double y = H - 22 + (i / 3) * 14;
    s.append(
        "<line x1=\""
            + f(x)
            + "\" y1=\""
            + f(y - 4)
            + "\" x2=\""
            + f(x + 24)
            + "\" y2=\""
            + f(y - 4)
            + "\" stroke=\""
            + colour
            + "\" stroke-width=\""
            + (dashed ? 2 : 6)
            + "\""
            + (dashed ? " stroke-dasharray=\"6 4\"" : "")
            + "/>\n");
    text(s, x + 30, y, 11, "start", name);
  }

  private static void text(StringBuilder s, double x, double y, int size, String anchor, String t) {
    s.append("<text x=\"")
        .append(f(x))
        .append("\" y=\"")
        .append(f(y))
        .append("\" font-size=\"")
        .append(size)
        .append("\" text-anchor=\"")
        .append(anchor)
        .append("\">")
        .append(esc(t))
        .append("</text>\n");
  }

  private double fx(double x) {
    return logX ? Math.log10(Math.max(x, 1e-9)) : x;
  }

  private static double px(double x, double x0, double x1) {
    return LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
  }

  private static double py(double y, double y0, double y1) {
    return H - BOTTOM - (y - y0) / (y1 - y0) * (H - BOTTOM - TOP);
  }

  /** The next of 1, 2, 2.5, 5 × 10^n at or above v (an axis end). */
  static double nice(double v) {
    if (v <= 0) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v - 1e-12) {
        return m * p;
      }
    }
    return 10 * p;
  }

  static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e9) {
      return String.format(Locale.ROOT, "%,d", (long) v);
    }
    return Math.abs(v) >= 10
        ? String.format(Locale.ROOT, "%.1f", v)
        : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String esc(String t) {
    return t.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
