//! Flame graphs of guest profiles: inferno (the Rust port of Brendan Gregg's flamegraph.pl)
//! draws folded stacks ("outer;inner;leaf cycles" lines, which zkprof.pprof derives from RISC
//! Zero's pprof profiles) as an interactive SVG.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// An SVG flame graph of `folded` lines, each "frame;frame;frame count", titled `title`; the
/// counts are cycles. Raises ValueError when inferno rejects the input (for example no lines).
#[pyfunction]
#[pyo3(signature = (folded, title, subtitle = None))]
fn flame_graph_svg(
    py: Python<'_>,
    folded: Vec<String>,
    title: String,
    subtitle: Option<String>,
) -> PyResult<String> {
    py.detach(|| {
        let mut options = inferno::flamegraph::Options::default();
        options.title = title;
        options.subtitle = subtitle;
        options.count_name = "cycles".to_string();
        options.name_type = "Function:".to_string();
        let mut svg = Vec::new();
        inferno::flamegraph::from_lines(&mut options, folded.iter().map(String::as_str), &mut svg)
            .map_err(|e| PyValueError::new_err(format!("flame graph: {e}")))?;
        String::from_utf8(svg).map_err(|e| PyValueError::new_err(format!("flame graph: {e}")))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(flame_graph_svg, m)?)
}
