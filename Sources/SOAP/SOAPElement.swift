import XML

/// The SOAP module's name for the XML element tree (`XElement`), kept so that code written against it, the SOAP
/// binding above all, compiles unchanged; new code names `XElement` and imports XML.
public typealias SOAPElement = XElement
