//! The live source: a WebSocket to `hopscope serve`, speaking core's protocol.

use hopscope_core::protocol::{ClientMessage, ServerMessage, StartFrom};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
use yew::Callback;

/// What the socket reports to the app.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveEvent {
    Open,
    Message(Box<ServerMessage>),
    /// A frame that is not a valid server message (kept going; counted and shown).
    BadFrame(String),
    Closed {
        code: u16,
        reason: String,
        was_open: bool,
    },
}

pub struct Live {
    ws: WebSocket,
    _handlers: Vec<Box<dyn std::any::Any>>,
}

impl Live {
    /// Opens the socket and, once open, subscribes from `start`.
    pub fn connect(
        url: &str,
        start: StartFrom,
        report: Callback<LiveEvent>,
    ) -> Result<Live, String> {
        let ws = WebSocket::new(url).map_err(|e| {
            format!(
                "{:?}",
                e.as_string().unwrap_or_else(|| "invalid URL".into())
            )
        })?;
        let opened = std::rc::Rc::new(std::cell::Cell::new(false));
        let on_open = {
            let (ws, report, opened) = (ws.clone(), report.clone(), opened.clone());
            Closure::<dyn FnMut()>::new(move || {
                opened.set(true);
                let hello = ClientMessage::Subscribe {
                    start: start.clone(),
                };
                let _ = ws.send_with_str(&hello.to_json());
                report.emit(LiveEvent::Open);
            })
        };
        let on_message = {
            let report = report.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let Some(text) = e.data().as_string() else {
                    report.emit(LiveEvent::BadFrame("binary frame ignored".into()));
                    return;
                };
                match ServerMessage::from_json(&text) {
                    Ok(m) => report.emit(LiveEvent::Message(Box::new(m))),
                    Err(err) => report.emit(LiveEvent::BadFrame(err.to_string())),
                }
            })
        };
        let on_close = {
            let (report, opened) = (report.clone(), opened.clone());
            Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
                report.emit(LiveEvent::Closed {
                    code: e.code(),
                    reason: e.reason(),
                    was_open: opened.get(),
                });
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Live {
            ws,
            _handlers: vec![Box::new(on_open), Box::new(on_message), Box::new(on_close)],
        })
    }
}

impl Live {
    /// Sends one message on the open socket (dropped if it is not open: a reconnect
    /// subscribes afresh).
    pub fn send(&self, message: &ClientMessage) {
        let _ = self.ws.send_with_str(&message.to_json());
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
