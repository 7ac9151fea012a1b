//! An XDMF sidecar (`OUT.xmf`) that lets ParaView and VisIt open the field
//! frames of a run file directly: a temporal collection of co-rectilinear
//! grids (points at voxel centres), one attribute per field, each a hyperslab
//! of `/fields/<name>`, and the region map `/grid/region`.
//!
//! The mesh is always three-dimensional: a 2D section is one voxel thick in
//! z, so that readers put it in the X–Y plane (x radial from the lumen, y
//! along the circumference), as the run file's `x_um`, `y_um` say. A
//! `2DCoRectMesh` would be read as the Y–Z plane.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::OutputError;
use crate::reader::RunReader;

/// Writes the sidecar of run file `h5` to `xmf`, describing every frame in it.
pub fn write_xdmf(h5: &Path, xmf: &Path) -> Result<(), OutputError> {
    let r = RunReader::open(h5)?;
    let times = r.frame_times_h()?;
    let fields = r.field_names()?;
    let shape = r.frame_shape()?; // (ny, nx) or (nz, ny, nx)
    let dx = r.spacing_um()?;
    let file_name = h5
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Topology dimensions, slowest first (z y x); a 2D section is 1 × ny × nx.
    let topo: Vec<usize> = if shape.len() == 3 {
        shape.clone()
    } else {
        std::iter::once(1).chain(shape.iter().copied()).collect()
    };
    let dims = topo
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    // The datasets' own dimensions (frames first for the fields).
    let data_dims = shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let n = shape.len();
    let (topology, geometry) = ("3DCoRectMesh", "ORIGIN_DXDYDZ");
    let origin = vec![format!("{}", 0.5 * dx); 3].join(" ");
    let spacing = vec![format!("{dx}"); 3].join(" ");
    let has_region = r.regions().is_ok();
    let mut x = String::new();
    let _ = writeln!(x, "<?xml version=\"1.0\" ?>");
    let _ = writeln!(x, "<Xdmf Version=\"3.0\">\n <Domain>");
    let _ = writeln!(
        x,
        "  <Grid Name=\"vcsim\" GridType=\"Collection\" CollectionType=\"Temporal\">"
    );
    for (k, t) in times.iter().enumerate() {
        let _ = writeln!(x, "   <Grid Name=\"frame {k}\" GridType=\"Uniform\">");
        let _ = writeln!(x, "    <Time Value=\"{t}\"/>");
        let _ = writeln!(
            x,
            "    <Topology TopologyType=\"{topology}\" Dimensions=\"{dims}\"/>"
        );
        let _ = writeln!(x, "    <Geometry GeometryType=\"{geometry}\">");
        let _ = writeln!(
            x,
            "     <DataItem Format=\"XML\" Dimensions=\"3\">{origin}</DataItem>"
        );
        let _ = writeln!(
            x,
            "     <DataItem Format=\"XML\" Dimensions=\"3\">{spacing}</DataItem>"
        );
        let _ = writeln!(x, "    </Geometry>");
        for f in &fields {
            let start = std::iter::once(k.to_string())
                .chain(std::iter::repeat_n("0".to_string(), n))
                .collect::<Vec<_>>()
                .join(" ");
            let stride = vec!["1"; n + 1].join(" ");
            let count = format!("1 {data_dims}");
            let _ = writeln!(
                x,
                "    <Attribute Name=\"{f}\" AttributeType=\"Scalar\" Center=\"Node\">"
            );
            let _ = writeln!(
                x,
                "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"{dims}\" Type=\"HyperSlab\">"
            );
            let _ = writeln!(
                x,
                "      <DataItem Dimensions=\"3 {}\" Format=\"XML\">{start} {stride} {count}</DataItem>",
                n + 1
            );
            let _ = writeln!(
                x,
                "      <DataItem Dimensions=\"{} {data_dims}\" NumberType=\"Float\" Precision=\"4\" Format=\"HDF\">{file_name}:/fields/{f}</DataItem>",
                times.len()
            );
            let _ = writeln!(x, "     </DataItem>\n    </Attribute>");
        }
        if has_region {
            let _ = writeln!(
                x,
                "    <Attribute Name=\"region\" AttributeType=\"Scalar\" Center=\"Node\">"
            );
            let _ = writeln!(
                x,
                "     <DataItem Dimensions=\"{dims}\" NumberType=\"UChar\" Precision=\"1\" Format=\"HDF\">{file_name}:/grid/region</DataItem>"
            );
            let _ = writeln!(x, "    </Attribute>");
        }
        let _ = writeln!(x, "   </Grid>");
    }
    let _ = writeln!(x, "  </Grid>\n </Domain>\n</Xdmf>");
    std::fs::write(xmf, x).map_err(|e| OutputError::Create {
        path: xmf.to_path_buf(),
        detail: e.to_string(),
    })
}
