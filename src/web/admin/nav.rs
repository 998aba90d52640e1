//! The navigation every admin page shows: who is signed in, in which role, and the links that
//! role may follow.

use super::{Admin, Requirement};
use crate::web::csrf::Csrf;

/// The navigation every admin page shows.
pub struct Nav {
    pub username: String,
    pub role: &'static str,
    pub csrf_token: String,
    pub superadmin: bool,
    /// Superadmins and unit-admins: they open the ceremony screen.
    pub changes_data: bool,
    pub reads_log: bool,
}

impl Nav {
    pub fn new<R: Requirement>(admin: &Admin<R>, csrf: &Csrf) -> Nav {
        Nav {
            username: admin.signed_in.username.clone(),
            role: admin.signed_in.role.label(admin.t.lang()),
            csrf_token: csrf.token().to_owned(),
            superadmin: admin.signed_in.role.is_superadmin(),
            changes_data: admin.signed_in.role.may_change(),
            reads_log: admin.signed_in.role.may_read_log(),
        }
    }
}
