//! Exports as response bodies that are sent while they are written: the CSV part by
//! part as the entries are read, the workbook from its temporary file. A failure
//! half-way is logged and ends the download early (the status line has gone out);
//! the browser then reports an incomplete file rather than a short, valid one.

use poem::Body;

use crate::services::exports::Csv;

fn cut_off(err: crate::services::ServiceError) -> std::io::Error {
    tracing::error!(error = %err, "export ended early");
    std::io::Error::other(err.to_string())
}

/// The CSV export, streamed.
pub fn csv(export: Csv) -> Body {
    Body::from_bytes_stream(futures_util::stream::try_unfold(
        export,
        |mut export| async move {
            Ok::<_, std::io::Error>(export.next().await.map_err(cut_off)?.map(|p| (p, export)))
        },
    ))
}

/// A file written for the answer (the workbook), streamed from disk.
pub fn file(file: std::fs::File) -> Body {
    Body::from_async_read(tokio::fs::File::from_std(file))
}
