import Hummingbird

/// Counts every answer of port 8000 by status class (problems included: it sits outside the problem middleware's
/// view of errors, so a thrown HTTPError is counted with its status).
struct RequestCountingMiddleware<Context: RequestContext>: RouterMiddleware {
    let counters: HTTPRequestCounters

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            counters.count(status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            counters.count(status: error.status.code)
            throw error
        } catch {
            counters.count(status: 500)
            throw error
        }
    }
}
