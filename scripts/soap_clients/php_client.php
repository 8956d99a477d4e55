<?php
// An independent SOAP client (PHP's SoapClient, ext-soap) against the server's WSDL: sign in, read the user, search
// the directory, click-to-call, and read the code of a fault. Prints one JSON object; exits 0 unless PHP itself fails.
// Usage: php php_client.php BASE_URL 11|12 COMPANY DOMAIN USERNAME PASSWORD
[$script, $base, $version, $company, $domain, $username, $password] = $argv;
$options = [
    'soap_version' => $version === '11' ? SOAP_1_1 : SOAP_1_2,
    'cache_wsdl' => WSDL_CACHE_NONE,
    'exceptions' => true,
    'trace' => true,
];
$result = ['version' => $version];
$client = new SoapClient("$base/soap?wsdl", $options);
$login = $client->Login(['company' => $company, 'domain' => $domain, 'username' => $username, 'password' => $password]);
$result['token'] = $login->token !== '';
// Every later call carries the bearer token in the HTTP Authorization header, as the WSDL documents.
$signedIn = new SoapClient("$base/soap?wsdl", $options + [
    'stream_context' => stream_context_create(['http' => ['header' => "Authorization: Bearer {$login->token}"]]),
]);
$me = $signedIn->GetMe();
$result['username'] = $me->user->username;
$found = $signedIn->SearchDirectory(['query' => 'lemaire acme', 'limit' => 5]);
$contacts = is_array($found->contact) ? $found->contact : [$found->contact];
$result['contact'] = $contacts[0]->lastName;
$placed = $signedIn->MakeCall(['number' => '2002']);
$result['callId'] = $placed->callId;
$result['callDevice'] = $placed->device;
try {
    $client->Login(['company' => $company, 'domain' => $domain, 'username' => $username, 'password' => 'not-the-password']);
    $result['fault'] = null;
} catch (SoapFault $fault) {
    $result['fault'] = $fault->detail->code ?? null;
    $result['faultcode'] = $fault->faultcode;
    // The HTTP status the fault came with, from the raw response headers.
    preg_match('#^HTTP/\S+ (\d+)#', $client->__getLastResponseHeaders() ?? '', $status);
    $result['status'] = isset($status[1]) ? (int) $status[1] : null;
}
echo json_encode($result), "\n";
