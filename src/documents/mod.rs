//! Documents the city signs, prints or files: the jury's Protokoll now,
//! certificates later. Each is a tagged PDF with real text (copyable, found by
//! search, read aloud) in DejaVu Sans, which ships with the project
//! (`templates/fonts`, Bitstream Vera licence), so German characters are
//! always there whatever the server has installed.

pub mod certificate;
pub mod protokoll;

use std::num::NonZeroU16;
use std::sync::Arc;

use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{ContentTag, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

static REGULAR: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans-Bold.ttf");

/// A4 in points, and the margins.
const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
#[error("the document could not be written: {0}")]
pub struct DocumentError(pub String);

/// One line of drawn text, kept for the page it is on.
struct Line {
    x: f32,
    y: f32,
    size: f32,
    bold: bool,
    text: String,
}

/// A block in reading order: a heading, a paragraph or a table row.
enum Block {
    Heading(u16, Vec<(usize, usize)>),
    Paragraph(Vec<(usize, usize)>),
    Row {
        header: bool,
        cells: Vec<Vec<(usize, usize)>>,
    },
}

/// A simple flowing document: headings, wrapped paragraphs and table rows on A4
/// pages, tagged (H1/H2, P, Table/TR/TH/TD) so assistive technology can read it.
pub struct Writer {
    title: String,
    regular: Font,
    bold: Font,
    /// Lines per page.
    pages: Vec<Vec<Line>>,
    blocks: Vec<Block>,
    y: f32,
}

fn width_of(font: &[u8], size: f32, text: &str) -> f32 {
    let Ok(font) = skrifa::FontRef::new(font) else {
        return text.chars().count() as f32 * size * 0.6;
    };
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    let charmap = font.charmap();
    text.chars()
        .map(|c| {
            charmap
                .map(c)
                .and_then(|g| metrics.advance_width(g))
                .unwrap_or(size * 0.6)
        })
        .sum()
}

/// Breaks `text` into lines no wider than `width` (long words are cut).
fn wrap(font: &[u8], size: f32, width: f32, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width_of(font, size, &candidate) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line is cut where it must be.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if width_of(font, size, &piece) > width {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

impl Writer {
    pub fn new(title: &str) -> Result<Self, DocumentError> {
        let font = |bytes: &'static [u8]| {
            Font::new(Arc::new(bytes.to_vec()).into(), 0)
                .ok_or_else(|| DocumentError("the embedded font cannot be read".into()))
        };
        Ok(Self {
            title: title.to_owned(),
            regular: font(REGULAR)?,
            bold: font(BOLD)?,
            pages: vec![Vec::new()],
            blocks: Vec::new(),
            y: MARGIN,
        })
    }

    /// Room for `height` more points, or a new page.
    fn room(&mut self, height: f32) {
        if self.y + height > HEIGHT - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    /// Places one line and returns where it is kept (page, index).
    fn place(&mut self, x: f32, size: f32, bold: bool, text: String) -> (usize, usize) {
        let page = self.pages.len() - 1;
        let lines = self.pages.last_mut().expect("a page");
        lines.push(Line {
            x,
            y: self.y + size,
            size,
            bold,
            text,
        });
        (page, lines.len() - 1)
    }

    pub fn heading(&mut self, level: u16, text: &str) {
        let size = if level == 1 { 16.0 } else { 12.5 };
        let font = BOLD;
        let lines = wrap(font, size, WIDTH - 2.0 * MARGIN, text);
        self.y += if level == 1 { 0.0 } else { 8.0 };
        let mut placed = Vec::new();
        for line in lines {
            self.room(size * 1.4 + 16.0);
            placed.push(self.place(MARGIN, size, true, line));
            self.y += size * 1.4;
        }
        self.y += 4.0;
        self.blocks.push(Block::Heading(level, placed));
    }

    pub fn paragraph(&mut self, text: &str) {
        let size = 10.0;
        let mut placed = Vec::new();
        for line in wrap(REGULAR, size, WIDTH - 2.0 * MARGIN, text) {
            self.room(size * 1.4);
            placed.push(self.place(MARGIN, size, false, line));
            self.y += size * 1.4;
        }
        self.y += 4.0;
        self.blocks.push(Block::Paragraph(placed));
    }

    /// A table row; `widths` are the columns' shares of the line (they add up to 1).
    pub fn row(&mut self, header: bool, widths: &[f32], cells: &[String]) {
        let size = 8.5;
        let usable = WIDTH - 2.0 * MARGIN;
        let font = if header { BOLD } else { REGULAR };
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(widths)
            .map(|(cell, share)| wrap(font, size, share * usable - 4.0, cell))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32 * size * 1.3 + 3.0;
        self.room(height);
        let top = self.y;
        let mut x = MARGIN;
        let mut placed_cells = Vec::new();
        for (lines, share) in wrapped.into_iter().zip(widths) {
            self.y = top;
            let mut placed = Vec::new();
            for line in lines {
                placed.push(self.place(x, size, header, line));
                self.y += size * 1.3;
            }
            placed_cells.push(placed);
            x += share * usable;
        }
        self.y = top + height;
        self.blocks.push(Block::Row {
            header,
            cells: placed_cells,
        });
    }

    /// Vertical space.
    pub fn space(&mut self, points: f32) {
        self.y += points;
    }

    /// The PDF: every line drawn as tagged text, the tag tree in reading order.
    pub fn finish(self) -> Result<Vec<u8>, DocumentError> {
        let settings = SerializeSettings {
            enable_tagging: true,
            ..Default::default()
        };
        let mut document = Document::new_with(settings);
        document.set_metadata(
            Metadata::new()
                .title(self.title.clone())
                .language("de".into())
                .creator("Ideenwettbewerb".into()),
        );
        // The content identifier of each drawn line, by (page, index).
        let mut ids: Vec<Vec<Option<krilla::tagging::Identifier>>> = Vec::new();
        for lines in &self.pages {
            let settings = PageSettings::from_wh(WIDTH, HEIGHT)
                .ok_or_else(|| DocumentError("the page size is invalid".into()))?;
            let mut page = document.start_page_with(settings);
            let mut surface: Surface<'_> = page.surface();
            let mut page_ids = Vec::new();
            for line in lines {
                let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
                let font = if line.bold { &self.bold } else { &self.regular };
                surface.draw_text(
                    Point::from_xy(line.x, line.y),
                    font.clone(),
                    line.size,
                    &line.text,
                    false,
                    TextDirection::Auto,
                );
                surface.end_tagged();
                page_ids.push(Some(id));
            }
            surface.finish();
            page.finish();
            ids.push(page_ids);
        }
        let mut take = |(page, index): (usize, usize)| {
            ids.get_mut(page)
                .and_then(|p| p.get_mut(index))
                .and_then(Option::take)
        };
        let mut tree = TagTree::new();
        let mut table: Option<TagGroup> = None;
        for block in self.blocks {
            if !matches!(block, Block::Row { .. })
                && let Some(done) = table.take()
            {
                tree.push(done);
            }
            match block {
                Block::Heading(level, lines) => {
                    let level = NonZeroU16::new(level).unwrap_or(NonZeroU16::MIN);
                    let mut group = TagGroup::new(Tag::Hn(level, None));
                    lines
                        .into_iter()
                        .filter_map(&mut take)
                        .for_each(|id| group.push(id));
                    tree.push(group);
                }
                Block::Paragraph(lines) => {
                    let mut group = TagGroup::new(Tag::P);
                    lines
                        .into_iter()
                        .filter_map(&mut take)
                        .for_each(|id| group.push(id));
                    tree.push(group);
                }
                Block::Row { header, cells } => {
                    let mut row = TagGroup::new(Tag::TR);
                    for lines in cells {
                        let mut cell = if header {
                            TagGroup::new(Tag::TH(krilla::tagging::TableHeaderScope::Column))
                        } else {
                            TagGroup::new(Tag::TD)
                        };
                        lines
                            .into_iter()
                            .filter_map(&mut take)
                            .for_each(|id| cell.push(id));
                        row.push(cell);
                    }
                    table
                        .get_or_insert_with(|| TagGroup::new(Tag::Table))
                        .push(row);
                }
            }
        }
        if let Some(done) = table.take() {
            tree.push(done);
        }
        document.set_tag_tree(tree);
        document
            .finish()
            .map_err(|err| DocumentError(format!("{err:?}")))
    }
}
