//! What stackc knows about the world, shared by the lint rules, the frontends and the backends:
//! secret detection, image references and well-known images, Linux capabilities, durations and
//! memory sizes. Nothing here reports diagnostics; callers decide what a fact means to them.

pub mod capabilities;
pub mod image_ref;
pub mod images;
pub mod quantity;
pub mod secrets;
