//! The bukti's logical structure, for screen readers (tagged PDF, PDF/UA-1): its parts in
//! reading order, each with its role and the content drawn for it, turned into krilla's tag
//! tree and the document's outline once the pages are drawn.

use crate::i18n::Lang;
use krilla::destination::XyzDestination;
use krilla::geom::{Point, Rect};
use krilla::outline::{Outline, OutlineNode};
use krilla::tagging::{BBox, Identifier, ListNumbering, Node, Tag, TagGroup, TagKind, TagTree};

/// What a part of the bukti is, for its tag tree.
#[derive(Clone)]
pub(super) enum Role {
    /// A heading of a level with its words, which the outline lists too.
    Heading(std::num::NonZeroU16, String),
    Paragraph,
    List,
    Item,
    Label,
    Body,
    /// The QR code, with the words that say what it is.
    Figure(String),
}

/// A part of the document's logical structure: its role, the part it sits in, and the marked
/// content drawn for it.
struct Part {
    role: Role,
    parent: Option<usize>,
    content: Vec<Identifier>,
    /// A figure's place on the first page.
    area: Option<Rect>,
}

/// The document's parts, in reading order (a part always comes after the part it sits in).
#[derive(Default)]
pub(super) struct Structure {
    parts: Vec<Part>,
}

impl Structure {
    pub(super) fn open(&mut self, role: Role, parent: Option<usize>) -> usize {
        self.parts.push(Part {
            role,
            parent,
            content: Vec::new(),
            area: None,
        });
        self.parts.len() - 1
    }

    pub(super) fn heading(&mut self, level: u16, title: &str) -> usize {
        let level = std::num::NonZeroU16::new(level).unwrap_or(std::num::NonZeroU16::MIN);
        self.open(Role::Heading(level, title.to_owned()), None)
    }

    /// The document's outline (bookmarks): each heading where its first line was drawn, under
    /// the heading of the level above it.
    pub(super) fn outline(&self, drawn: &[(usize, usize, Point)]) -> Outline {
        let mut headings = drawn
            .iter()
            .filter_map(|&(part, page, at)| match &self.parts.get(part)?.role {
                Role::Heading(level, title) => Some((level.get(), title.clone(), page, at)),
                _ => None,
            })
            .peekable();
        let mut outline = Outline::new();
        for node in outline_level(&mut headings, 1) {
            outline.push_child(node);
        }
        outline
    }

    pub(super) fn paragraph(&mut self) -> usize {
        self.open(Role::Paragraph, None)
    }

    /// Puts content drawn on a page into `part`.
    pub(super) fn mark(&mut self, part: usize, content: Identifier) {
        if let Some(part) = self.parts.get_mut(part) {
            part.content.push(content);
        }
    }

    /// Where the figure `part` is on the first page.
    pub(super) fn place(&mut self, part: usize, area: Option<Rect>) {
        if let Some(part) = self.parts.get_mut(part) {
            part.area = area;
        }
    }

    /// The tag tree: each part a group holding its marked content, then the parts in it.
    pub(super) fn into_tree(self, lang: Lang) -> TagTree {
        let mut inside: Vec<Vec<Node>> = self.parts.iter().map(|_| Vec::new()).collect();
        let mut top = Vec::new();
        // Backwards, so that every part is whole before the part it sits in takes it.
        for (index, part) in self.parts.into_iter().enumerate().rev() {
            let mut children: Vec<Node> = part.content.into_iter().map(Node::from).collect();
            children.extend(std::mem::take(&mut inside[index]).into_iter().rev());
            let group = TagGroup::with_children(part.role.tag(part.area), children);
            match part.parent.and_then(|p| inside.get_mut(p)) {
                Some(parent) => parent.push(group.into()),
                None => top.push(group),
            }
        }
        let mut tree = TagTree::new().with_lang(Some(lang.code().to_owned()));
        for group in top.into_iter().rev() {
            tree.push(group);
        }
        tree
    }
}

/// The outline's nodes of `level` and below, taken from `headings` until one of a level above.
fn outline_level<I>(headings: &mut std::iter::Peekable<I>, level: u16) -> Vec<OutlineNode>
where
    I: Iterator<Item = (u16, String, usize, Point)>,
{
    let mut nodes = Vec::new();
    while let Some((this, title, page, at)) = headings.next_if(|(this, ..)| *this >= level) {
        let mut node = OutlineNode::new(title, XyzDestination::new(page, at));
        for child in outline_level(headings, this + 1) {
            node.push_child(child);
        }
        nodes.push(node);
    }
    nodes
}

impl Role {
    fn tag(self, area: Option<Rect>) -> TagKind {
        match self {
            Role::Heading(level, title) => Tag::Hn(level, Some(title)).into(),
            Role::Paragraph => Tag::P.into(),
            Role::List => Tag::L(ListNumbering::Decimal).into(),
            Role::Item => Tag::LI.into(),
            Role::Label => Tag::Lbl.into(),
            Role::Body => Tag::LBody.into(),
            Role::Figure(alt) => Tag::Figure(Some(alt))
                .with_bbox(area.map(|rect| BBox::new(0, rect)))
                .into(),
        }
    }
}
