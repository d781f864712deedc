//! One module per subcommand.

pub mod analyze;
pub mod generate;
pub mod partition;
pub mod produce;
pub mod serve;
pub mod window;
