//! SVG scatter plots of clusters with their principal directions (plotters).

use std::path::Path;

use plotters::prelude::*;

use super::CliError;

/// One line segment to draw: its two end points, colour index, and whether it is dashed.
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
        let failed =
            |e: String| CliError::new(format!("cannot draw the plot to '{}': {e}", path.display()));
        let root = SVGBackend::new(path, (800, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(e.to_string()))?;

        let x_range = padded_range(self.points.iter().map(|p| p.0));
        let y_range = padded_range(self.points.iter().map(|p| p.1));
        let mut chart = ChartBuilder::on(&root)
            .caption(self.title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(x_range, y_range)
            .map_err(|e| failed(e.to_string()))?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .draw()
            .map_err(|e| failed(e.to_string()))?;

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
                .map_err(|e| failed(e.to_string()))?
                .label(name.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, style.filled()));
        }
        for segment in self.segments {
            let style = color(segment.color).stroke_width(3);
            chart
                .draw_series(LineSeries::new([segment.from, segment.to], style))
                .map_err(|e| failed(e.to_string()))?
                .label(segment.label.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| failed(e.to_string()))?;
        root.present().map_err(|e| failed(e.to_string()))
    }
}
