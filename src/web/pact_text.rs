//! A pact's text as pages show it (`templates/pact_text.html`): paragraphs, and the numbered
//! points as a list with hanging indents.

use crate::service::pacts::StoredPact;
use ikrar_log::pact::{Block, Pact};

/// A part of the pact's text.
pub enum TextBlock {
    Paragraph(String),
    /// Numbered points: number and text.
    Points(Vec<(String, String)>),
}

/// The pact's body as paragraphs and numbered lists.
pub fn text_blocks(pact: &StoredPact) -> Vec<TextBlock> {
    let pact = Pact {
        id: pact.id.clone(),
        title: pact.title.clone(),
        body: pact.body.clone(),
    };
    pact.blocks()
        .into_iter()
        .map(|block| match block {
            Block::Paragraph(text) => TextBlock::Paragraph(text.to_owned()),
            Block::List(items) => TextBlock::Points(
                items
                    .into_iter()
                    .map(|i| (i.number.to_owned(), i.text.to_owned()))
                    .collect(),
            ),
        })
        .collect()
}
