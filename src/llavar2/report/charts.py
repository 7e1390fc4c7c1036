"""A chart is its numbers first: the PNG draws exactly the values the Markdown table under it
lists, each bar labelled with the same text the table shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a display

import matplotlib.pyplot as plt  # noqa: E402


@dataclass
class Chart:
    name: str  # file stem under plots/
    title: str
    category: str  # what the labels are (x axis, first table column)
    labels: list[str]
    series: dict[str, list[float]]  # series name (table column) → one value per label
    unit: str  # y axis, e.g. "duos" or "% of duos"
    decimals: int = 0  # 0: counts

    def text(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"

    def table(self) -> list[str]:
        """Markdown rows: one per label, one column per series, the values as plotted."""
        names = list(self.series)
        rows = [
            f"| {self.category} | " + " | ".join(f"{n} ({self.unit})" for n in names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        for i, label in enumerate(self.labels):
            cells = " | ".join(self.text(self.series[n][i]) for n in names)
            rows.append(f"| {label.replace('|', '/')} | {cells} |")
        return rows

    def draw(self, path: Path) -> None:
        names = list(self.series)
        width = 0.8 / len(names)
        fig, ax = plt.subplots(
            figsize=(min(14.0, max(6.0, 0.5 * len(self.labels) * len(names) + 2)), 4)
        )
        for k, name in enumerate(names):
            xs = [i + (k - (len(names) - 1) / 2) * width for i in range(len(self.labels))]
            bars = ax.bar(xs, self.series[name], width, label=name)
            ax.bar_label(bars, labels=[self.text(v) for v in self.series[name]], fontsize=7)
        ax.set_xticks(range(len(self.labels)), self.labels, rotation=35, ha="right", fontsize=8)
        ax.set_xlabel(self.category)
        ax.set_ylabel(self.unit)
        ax.set_title(self.title)
        ax.margins(y=0.15)
        if len(names) > 1:
            ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
