//! SVG figures drawn with plotters: scatter plots of clusters with their principal directions,
//! grids of such plots, and grouped bar charts with error bars.

use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::CliError;

/// One line segment to draw: its two end points, colour index and legend text.
pub struct Segment {
    /// Start point.
    pub from: (f64, f64),
    /// End point.
    pub to: (f64, f64),
    /// Index into the palette, or `None` for black.
    pub color: Option<usize>,
    /// Legend text.
    pub label: String,
}

/// A 2-D scatter plot of labelled points with direction segments.
pub struct ScatterPlot<'a> {
    /// Title above the plot.
    pub title: &'a str,
    /// Axis captions.
    pub x_label: &'a str,
    /// Axis captions.
    pub y_label: &'a str,
    /// The points.
    pub points: &'a [(f64, f64)],
    /// Colour index of each point.
    pub labels: &'a [usize],
    /// Legend text for each colour index.
    pub label_names: &'a [String],
    /// Segments drawn over the points.
    pub segments: &'a [Segment],
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn color(index: Option<usize>) -> RGBColor {
    index.map_or(BLACK, |i| PALETTE[i % PALETTE.len()])
}

/// Range of `values` widened by 5 % on each side.
fn padded_range(values: impl Iterator<Item = f64> + Clone) -> std::ops::Range<f64> {
    let min = values.clone().fold(f64::INFINITY, f64::min);
    let max = values.fold(f64::NEG_INFINITY, f64::max);
    let pad = 0.05 * (max - min).max(1e-9);
    (min - pad)..(max + pad)
}

impl ScatterPlot<'_> {
    /// Draws the plot into an SVG file at `path` (the file must be writable).
    pub fn write_svg(&self, path: &Path) -> Result<(), CliError> {
        let failed = drawing_failed(path);
        let root = SVGBackend::new(path, (800, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(e.to_string()))?;
        self.draw_on(&root, Legend::Show).map_err(&failed)?;
        root.present().map_err(|e| failed(e.to_string()))
    }

    /// Draws the plot into one area of a larger drawing.
    fn draw_on(&self, area: &Area<'_>, legend: Legend) -> Result<(), String> {
        let x_range = padded_range(self.points.iter().map(|p| p.0));
        let y_range = padded_range(self.points.iter().map(|p| p.1));
        let mut chart = ChartBuilder::on(area)
            .caption(self.title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(x_range, y_range)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .draw()
            .map_err(|e| e.to_string())?;

        for (index, name) in self.label_names.iter().enumerate() {
            let style = color(Some(index));
            chart
                .draw_series(
                    self.points
                        .iter()
                        .zip(self.labels)
                        .filter(|(_, &l)| l == index)
                        .map(|(&p, _)| Circle::new(p, 3, style.mix(0.6).filled())),
                )
                .map_err(|e| e.to_string())?
                .label(name.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, style.filled()));
        }
        for segment in self.segments {
            let style = color(segment.color).stroke_width(3);
            chart
                .draw_series(LineSeries::new([segment.from, segment.to], style))
                .map_err(|e| e.to_string())?
                .label(segment.label.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        }
        if legend == Legend::Show {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Draws scatter plots side by side, `columns` per row, into one SVG file at `path`; each panel
/// is `panel_size` pixels and has no legend.
pub fn write_scatter_grid(
    path: &Path,
    panels: &[ScatterPlot<'_>],
    columns: usize,
    panel_size: (u32, u32),
) -> Result<(), CliError> {
    let failed = drawing_failed(path);
    let columns = columns.max(1);
    let rows = panels.len().div_ceil(columns).max(1);
    let size = (panel_size.0 * columns as u32, panel_size.1 * rows as u32);
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(e.to_string()))?;
    for (panel, area) in panels.iter().zip(root.split_evenly((rows, columns))) {
        panel.draw_on(&area, Legend::Hide).map_err(&failed)?;
    }
    root.present().map_err(|e| failed(e.to_string()))
}

/// A grouped bar chart with error bars: one group of bars per category on the x axis, one bar
/// per series in each group.
pub struct BarChart<'a> {
    /// Title above the chart.
    pub title: &'a str,
    /// Caption of the y axis.
    pub y_label: &'a str,
    /// Name of each group, written under it.
    pub groups: &'a [String],
    /// Name of each series, shown in the legend.
    pub series: &'a [String],
    /// `values[group][series]`: the bar height and the half-length of its error bar. A
    /// non-finite height leaves the bar out.
    pub values: &'a [Vec<(f64, f64)>],
    /// The y axis: linear from `min(0, lowest)`, or logarithmic.
    pub scale: YScale,
}

/// Scale of the y axis of a [`BarChart`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YScale {
    /// Linear, including 0.
    Linear,
    /// Base-10 logarithmic; bars start at the bottom of the axis.
    Log,
}

/// Fraction of a group's width that its bars fill; the rest separates groups.
const GROUP_FILL: f64 = 0.8;

/// Room above the highest bar, as a fraction of the axis span, so that the legend in the upper
/// right corner does not hide bars.
const LEGEND_HEADROOM: f64 = 0.35;

impl BarChart<'_> {
    /// Draws the chart into an SVG file at `path` (the file must be writable).
    pub fn write_svg(&self, path: &Path) -> Result<(), CliError> {
        write_bar_charts(path, std::slice::from_ref(self), (1100, 500))
    }

    /// Returns the bars that are drawn: group, series, height and error half-length.
    fn bars(&self) -> impl Iterator<Item = (usize, usize, f64, f64)> + '_ {
        self.values.iter().enumerate().flat_map(|(g, row)| {
            row.iter()
                .enumerate()
                .filter(|(_, (mean, _))| mean.is_finite())
                .map(move |(s, &(mean, spread))| (g, s, mean, spread.abs()))
        })
    }

    fn draw_on(&self, area: &Area<'_>) -> Result<(), String> {
        let x_range = 0.0..self.groups.len().max(1) as f64;
        let mut builder = ChartBuilder::on(area);
        builder
            .caption(self.title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(70);

        // The x axis is numeric, with group g spanning [g, g + 1). Its tick labels stay empty
        // and the group names are written under the group centres afterwards.
        match self.scale {
            YScale::Linear => {
                let (low, high) = self.bar_extent();
                let pad = 0.05 * (high - low).max(1e-9);
                let bottom = low.min(0.0) - pad;
                let top = high.max(0.0) + pad;
                let top = top + LEGEND_HEADROOM * (top - bottom);
                let mut chart = builder
                    .build_cartesian_2d(x_range, bottom..top)
                    .map_err(|e| e.to_string())?;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .x_label_formatter(&|_| String::new())
                    .y_desc(self.y_label)
                    .draw()
                    .map_err(|e| e.to_string())?;
                self.draw_bars(&mut chart, 0.0)?;
                self.draw_group_names(&chart, area, bottom)
            }
            YScale::Log => {
                let (low, high) = self.positive_extent();
                let bottom = low / 2.0;
                let top = high * 2.0;
                let top = top * (top / bottom).powf(LEGEND_HEADROOM);
                let mut chart = builder
                    .build_cartesian_2d(x_range, (bottom..top).log_scale())
                    .map_err(|e| e.to_string())?;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .x_label_formatter(&|_| String::new())
                    .y_label_formatter(&|y| format!("{y:.0e}"))
                    .y_desc(self.y_label)
                    .draw()
                    .map_err(|e| e.to_string())?;
                self.draw_bars(&mut chart, bottom)?;
                self.draw_group_names(&chart, area, bottom)
            }
        }
    }

    /// Writes each group's name under its centre, below the x axis at height `bottom`.
    fn draw_group_names<Y: Ranged<ValueType = f64>>(
        &self,
        chart: &ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordf64, Y>>,
        area: &Area<'_>,
        bottom: f64,
    ) -> Result<(), String> {
        let origin = area.get_base_pixel();
        let style = ("sans-serif", 14)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        for (g, name) in self.groups.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(g as f64 + 0.5, bottom));
            let position = (x - origin.0, y - origin.1 + 8);
            area.draw(&Text::new(name.as_str(), position, style.clone()))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Draws the bars from `base` to their heights, their error bars and the legend. On a log
    /// axis, bars at or below `base` are left out and error bars stop at `base`.
    fn draw_bars<'a, Y: Ranged<ValueType = f64>>(
        &self,
        chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, Y>>,
        base: f64,
    ) -> Result<(), String> {
        let width = GROUP_FILL / self.series.len().max(1) as f64;
        let left = |g: usize, s: usize| g as f64 + (1.0 - GROUP_FILL) / 2.0 + s as f64 * width;
        let log = self.scale == YScale::Log;
        let visible = |&(_, _, mean, _): &(usize, usize, f64, f64)| !log || mean > base;

        for (s, name) in self.series.iter().enumerate() {
            let style = color(Some(s));
            let bars = self.bars().filter(|bar| bar.1 == s).filter(visible);
            chart
                .draw_series(bars.map(|(g, s, mean, _)| {
                    let x0 = left(g, s);
                    Rectangle::new([(x0, base), (x0 + width, mean)], style.mix(0.8).filled())
                }))
                .map_err(|e| e.to_string())?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], style.filled())
                });

            let whiskers = self.bars().filter(|bar| bar.1 == s).filter(visible);
            chart
                .draw_series(whiskers.flat_map(|(g, s, mean, spread)| {
                    let middle = left(g, s) + width / 2.0;
                    let cap = width / 4.0;
                    let lower = if log {
                        (mean - spread).max(base)
                    } else {
                        mean - spread
                    };
                    let upper = mean + spread;
                    [
                        vec![(middle, lower), (middle, upper)],
                        vec![(middle - cap, lower), (middle + cap, lower)],
                        vec![(middle - cap, upper), (middle + cap, upper)],
                    ]
                    .map(|points| PathElement::new(points, BLACK.stroke_width(1)))
                }))
                .map_err(|e| e.to_string())?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())
    }

    /// Lowest and highest ends of the bars and their error bars.
    fn bar_extent(&self) -> (f64, f64) {
        self.bars()
            .fold((0.0f64, 0.0f64), |(low, high), (_, _, mean, spread)| {
                (low.min(mean - spread), high.max(mean + spread))
            })
    }

    /// Smallest positive bar height and highest error-bar end, for a log axis.
    fn positive_extent(&self) -> (f64, f64) {
        let (low, high) = self.bars().filter(|bar| bar.2 > 0.0).fold(
            (f64::INFINITY, 0.0f64),
            |(low, high), (_, _, mean, spread)| (low.min(mean), high.max(mean + spread)),
        );
        if low.is_finite() {
            (low, high)
        } else {
            (1.0, 10.0)
        }
    }
}

/// Draws bar charts stacked vertically into one SVG file at `path`, each `panel_size` pixels.
pub fn write_bar_charts(
    path: &Path,
    charts: &[BarChart<'_>],
    panel_size: (u32, u32),
) -> Result<(), CliError> {
    let failed = drawing_failed(path);
    let rows = charts.len().max(1);
    let root =
        SVGBackend::new(path, (panel_size.0, panel_size.1 * rows as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(e.to_string()))?;
    for (chart, area) in charts.iter().zip(root.split_evenly((rows, 1))) {
        chart.draw_on(&area).map_err(&failed)?;
    }
    root.present().map_err(|e| failed(e.to_string()))
}

/// A part of an SVG drawing.
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Whether a scatter plot draws its legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Legend {
    Show,
    Hide,
}

/// Builds the error for a drawing that failed, naming the file.
fn drawing_failed(path: &Path) -> impl Fn(String) -> CliError + '_ {
    move |e| CliError::new(format!("cannot draw the plot to '{}': {e}", path.display()))
}
