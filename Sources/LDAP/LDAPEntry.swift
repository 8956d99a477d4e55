import CLDAP

/// A search entry inside libldap's message, valid only during `LDAPConnection.nextAnswer`'s `entry` closure.
public struct LDAPEntry {
    let ld: OpaquePointer
    let message: OpaquePointer

    /// Hands over the DN, then each attribute (as the server spells it) with its values, as bytes inside the message:
    /// nothing is copied (libldap's `ldap_get_dn_ber` and `ldap_get_attribute_ber`, as ldapsearch reads entries).
    /// False when the entry could not be decoded.
    public func read(dn: (UnsafeRawBufferPointer) -> Void, attribute: (_ name: UnsafeRawBufferPointer, _ values: LDAPValues) -> Void) -> Bool {
        var ber: OpaquePointer?
        var name = berval(bv_len: 0, bv_val: nil)
        guard ldap_get_dn_ber(ld, message, &ber, &name) == LDAP_SUCCESS else {
            if let ber { ber_free(ber, 0) }
            return false
        }
        defer { if let ber { ber_free(ber, 0) } }
        dn(UnsafeRawBufferPointer(start: name.bv_val, count: Int(name.bv_len)))
        while true {
            var values: UnsafeMutablePointer<berval>?
            guard ldap_get_attribute_ber(ld, message, ber, &name, &values) == LDAP_SUCCESS else { return false }
            defer { if let values { ber_memfree(values) } }
            // No more attributes: libldap answers an empty name.
            guard name.bv_val != nil else { return true }
            attribute(UnsafeRawBufferPointer(start: name.bv_val, count: Int(name.bv_len)), LDAPValues(values))
        }
    }
}

/// The values of one attribute of an `LDAPEntry`, as bytes inside libldap's message.
public struct LDAPValues: RandomAccessCollection {
    private let base: UnsafeMutablePointer<berval>?
    public let endIndex: Int
    public var startIndex: Int { 0 }

    init(_ base: UnsafeMutablePointer<berval>?) {
        self.base = base
        var count = 0
        // libldap ends the array with a value without bytes.
        while let base, base[count].bv_val != nil { count += 1 }
        endIndex = count
    }

    public subscript(index: Int) -> UnsafeRawBufferPointer {
        let value = base![index]
        return UnsafeRawBufferPointer(start: value.bv_val, count: Int(value.bv_len))
    }
}
